import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { QUEUES } from './queues';
import { redisConnectionOptions } from './redis';
import { SlaScheduler } from './sla-queue';

/** BullMQ on the configured Redis and prefix, the queues, and their producers; both apps import it. */
@Global()
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
