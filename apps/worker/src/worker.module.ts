import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@helpdesk/config';
import { CoreModule, HealthModule } from '@helpdesk/core';
import { DatabaseModule } from '@helpdesk/database';
import { RedisModule } from '@helpdesk/queue';
import { HealthController } from './health/health.controller';

/** The worker: BullMQ processors (one folder per queue, as features arrive) and a health endpoint. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, CoreModule, HealthModule],
      controllers: [HealthController],
    };
  }
}
