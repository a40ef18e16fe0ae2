import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@helpdesk/config';
import { HealthModule, TicketingModule } from '@helpdesk/core';
import { QueueModule, RedisModule } from '@helpdesk/queue';
import { HealthController } from './health/health.controller';
import { SlaProcessor } from './sla/sla.processor';

/** The worker: BullMQ processors (one folder per queue) and an HTTP surface for health and metrics only. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), RedisModule, QueueModule, TicketingModule, HealthModule],
      controllers: [HealthController],
      providers: [SlaProcessor],
    };
  }
}
