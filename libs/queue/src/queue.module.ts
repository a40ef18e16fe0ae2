import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { QUEUES } from './queues';
import { redisConnectionOptions } from './redis';
import { SlaScheduler } from './sla-queue';

/** BullMQ on the configured Redis and prefix, the queues, and their producers; modules that enqueue or process jobs import it. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: redisConnectionOptions(config.redisUrl), prefix: `${config.redisPrefix}:bull` }),
    }),
    BullModule.registerQueue({ name: QUEUES.sla }),
  ],
  providers: [SlaScheduler],
  exports: [BullModule, SlaScheduler],
})
export class QueueModule {}
