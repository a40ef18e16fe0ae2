import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Provider } from '@nestjs/common';
import { Job, JobsOptions, Queue, RepeatOptions } from 'bullmq';
import type { JobName, JobPayload, QueueDefinitionOf, QueueName } from '../queues';
import { jobOptionsOf, RetryOptions } from './queue-definition';

/** Per-call options: which job (id, delay, priority); retries and retention belong to the contract. */
export type JobAddOptions = Omit<JobsOptions, keyof RetryOptions | 'repeat'>;

/**
 * Puts jobs on one queue of the contract: a job name the queue does not have, or a payload that is
 * not that job's, does not compile. Options come from the contract (jobOptionsOf).
 */
export class JobProducer<Q extends QueueName> {
  constructor(
    readonly queue: Queue,
    readonly definition: QueueDefinitionOf<Q>,
  ) {}

  add<N extends JobName<Q>>(name: N, payload: JobPayload<Q, N>, options: JobAddOptions = {}): Promise<Job> {
    return this.queue.add(name, payload, { ...options, ...jobOptionsOf(this.definition, name) });
  }

  /** Removes a waiting or delayed job (0 when it is running, finished or gone). */
  remove(jobId: string): Promise<number> {
    return this.queue.remove(jobId);
  }

  /** Creates or updates a BullMQ job scheduler that produces `name` jobs with `payload`. */
  async schedule<N extends JobName<Q>>(schedulerId: string, repeat: Omit<RepeatOptions, 'key'>, name: N, payload: JobPayload<Q, N>): Promise<void> {
    await this.queue.upsertJobScheduler(schedulerId, repeat, { name, data: payload, opts: jobOptionsOf(this.definition, name) });
  }
}

export function jobProducerToken(queue: QueueName): string {
  return `helpdesk:job-producer:${queue}`;
}

/** Injects the JobProducer of `queue` (QueueModule provides one per queue of the contract). */
export const InjectJobProducer = (queue: QueueName): ParameterDecorator => Inject(jobProducerToken(queue));

export function jobProducerProvider<Q extends QueueName>(definition: QueueDefinitionOf<Q>): Provider {
  return {
    provide: jobProducerToken(definition.name),
    inject: [getQueueToken(definition.name)],
    useFactory: (queue: Queue) => new JobProducer<Q>(queue, definition),
  };
}
