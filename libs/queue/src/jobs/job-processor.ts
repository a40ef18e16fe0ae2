import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { JOB_QUEUES, JobName, JobPayload, queueDefinition, QueueDefinitionOf, QueueName } from '../queues';
import { classifyJobFailure, toJobFailure } from './job-failure';
import { parseJobPayload } from './job-payload';
import { QueueDefinition } from './queue-definition';

export type JobHandler<P> = (payload: P, job: Job) => Promise<unknown>;
/** One handler per job of the queue, each receiving its validated, typed payload. */
export type JobHandlers<Q extends QueueName> = { [N in JobName<Q>]: JobHandler<JobPayload<Q, N>> };

/** The worker cannot serve its queues as built: it refuses to start with this one-line message. */
export class JobContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobContractError';
  }
}

const CONSUMED = new WeakMap<object, QueueName>();

/**
 * Marks a JobProcessor as the consumer of `queue` (BullMQ's @Processor, not started until the
 * start-up check has passed). The class must extend JobProcessor of that same queue.
 */
export function ConsumesQueue<Q extends QueueName>(queue: Q) {
  return <T extends abstract new (...args: never[]) => JobProcessor<Q>>(target: T): void => {
    CONSUMED.set(target, queue);
    Processor(queue, { autorun: false })(target as unknown as new () => object);
  };
}

export function consumedQueueOf(processor: object): QueueName | undefined {
  return CONSUMED.get(processor);
}

/** The job names of `definition` that `handlers` leaves without a function. */
export function missingHandlers(definition: QueueDefinition, handlers: Partial<Record<string, unknown>>): string[] {
  return Object.keys(definition.jobs).filter((name) => typeof handlers[name] !== 'function');
}

/** Throws JobContractError naming the first job of `definition` without a handler. */
export function assertJobHandlers(definition: QueueDefinition, handlers: Partial<Record<string, unknown>>, owner: string): void {
  const missing = missingHandlers(definition, handlers);
  if (missing.length) {
    const jobs = `job${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')}`;
    throw new JobContractError(`The worker cannot start: ${owner} has no handler for ${jobs} of queue "${definition.name}"`);
  }
}

/** Throws JobContractError when a queue of the contract has no processor among `processors`. */
export function assertEveryQueueConsumed(processors: object[], queues: readonly QueueDefinition[] = JOB_QUEUES): void {
  const consumed = new Set(processors.map(consumedQueueOf));
  const unconsumed = queues.filter((queue) => !consumed.has(queue.name as QueueName)).map((queue) => `"${queue.name}"`);
  if (unconsumed.length) throw new JobContractError(`The worker cannot start: no processor consumes queue ${unconsumed.join(', ')}`);
}

/**
 * The base of every processor. Before the BullMQ worker takes its first job it checks that every
 * job of the queue has a handler. Each job's data is validated against its payload class, and
 * every failure goes through one mapping (toJobFailure): domain errors and invalid payloads fail
 * at once, anything else is retried with the contract's backoff.
 */
export abstract class JobProcessor<Q extends QueueName> extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  protected abstract readonly handlers: JobHandlers<Q>;
  protected readonly logger = new Logger(this.constructor.name);

  protected get definition(): QueueDefinitionOf<Q> {
    const queue = consumedQueueOf(this.constructor);
    const definition = queue === undefined ? undefined : queueDefinition(queue);
    if (!definition) throw new JobContractError(`The worker cannot start: ${this.constructor.name} is not marked @ConsumesQueue(<a queue of the contract>)`);
    return definition as QueueDefinitionOf<Q>;
  }

  onModuleInit(): void {
    assertJobHandlers(this.definition, this.handlers, this.constructor.name);
  }

  /** Runs `beforeRun` (e.g. job schedulers, concurrency), then starts taking jobs. */
  async onApplicationBootstrap(): Promise<void> {
    await this.beforeRun();
    this.worker.run().catch((error: unknown) => this.logger.error(`the ${this.definition.name} worker stopped: ${(error as Error).message}`));
  }

  protected async beforeRun(): Promise<void> {}

  async process(job: Job): Promise<unknown> {
    try {
      const payload = parseJobPayload(this.definition, job.name, job.data);
      const handler = (this.handlers as unknown as Record<string, JobHandler<unknown>>)[job.name];
      return await handler(payload, job);
    } catch (error) {
      throw toJobFailure(error);
    }
  }

  /** Every failed attempt is logged, saying whether BullMQ will try again. */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    const attempts = job ? `${job.attemptsMade}/${job.opts.attempts ?? 1}` : '?';
    const final = !job || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    const { kind } = classifyJobFailure(error.cause ?? error);
    const outcome = final ? 'not retried' : 'will be retried';
    this.logger.error(`${this.definition.name} job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${attempts}, ${kind}; ${outcome}): ${error.message}`);
  }
}
