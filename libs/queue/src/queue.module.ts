import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { jobProducerProvider, jobProducerToken } from './jobs/job-producer';
import { jobOptionsOf } from './jobs/queue-definition';
import { JOB_QUEUES } from './queues';
import { redisConnectionOptions } from './redis';
import { SlaScheduler } from './sla-scheduler';

/**
 * BullMQ on the configured Redis and prefix, every queue of the job contract (its default job
 * options from the contract) with its JobProducer, and the producers built on them; modules that
 * enqueue or process jobs import it.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: redisConnectionOptions(config.redisUrl), prefix: `${config.redisPrefix}:bull` }),
    }),
    ...JOB_QUEUES.map((queue) => BullModule.registerQueue({ name: queue.name, defaultJobOptions: jobOptionsOf(queue) })),
  ],
  providers: [...JOB_QUEUES.map((queue) => jobProducerProvider(queue)), SlaScheduler],
  exports: [BullModule, ...JOB_QUEUES.map((queue) => jobProducerToken(queue.name)), SlaScheduler],
})
export class QueueModule {}
