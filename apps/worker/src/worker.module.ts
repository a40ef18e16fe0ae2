import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@helpdesk/config';
import { HealthModule, TicketingModule } from '@helpdesk/core';
import { assertEveryQueueConsumed, QueueModule, RedisModule } from '@helpdesk/queue';
import { HealthController } from './health/health.controller';
import { SlaProcessor } from './sla/sla.processor';

/** One processor per queue of the job contract (one folder per queue). */
const PROCESSORS = [SlaProcessor];

/** The worker: BullMQ processors and an HTTP surface for health and metrics only. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    assertEveryQueueConsumed(PROCESSORS);
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), RedisModule, QueueModule, TicketingModule, HealthModule],
      controllers: [HealthController],
      providers: PROCESSORS,
    };
  }
}
