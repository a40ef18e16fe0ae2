import type { JobsOptions } from 'bullmq';

/** A job's payload is a class whose class-validator decorators are checked when a worker takes the job. */
export type PayloadClass<T extends object = object> = new () => T;

/** What the contract decides for every job of a queue: retries and how long finished jobs are kept. */
export type RetryOptions = Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>;

export interface JobDefinition<T extends object = object> {
  payload: PayloadClass<T>;
  /** Overrides the queue's options for this job only. */
  options?: RetryOptions;
}

export interface QueueDefinition<Name extends string = string, Jobs extends Record<string, JobDefinition> = Record<string, JobDefinition>> {
  name: Name;
  jobs: Jobs;
  /** Overrides DEFAULT_JOB_OPTIONS for every job of this queue. */
  options?: RetryOptions;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJobs = Record<string, JobDefinition<any>>;

/** Declares a queue and keeps its literal job names, so that producers and handlers are typed by them. */
export function defineQueue<const Name extends string, const Jobs extends AnyJobs>(definition: QueueDefinition<Name, Jobs>): QueueDefinition<Name, Jobs> {
  return definition;
}

export type JobNameOf<D extends QueueDefinition> = keyof D['jobs'] & string;
/** A payload class without fields is typed as an empty record, so that a payload with fields does not compile either. */
type Strict<T> = keyof T extends never ? Record<string, never> : T;
export type PayloadOf<D extends QueueDefinition, N extends JobNameOf<D>> = Strict<InstanceType<D['jobs'][N]['payload']>>;

/**
 * Every job unless its queue or itself says otherwise: five attempts, exponential backoff from one
 * second with jitter (BullMQ draws each delay between half and all of the exponential one, so that
 * jobs failing together do not retry together), bounded history of finished jobs.
 */
export const DEFAULT_JOB_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
});

/** The options of a queue (defaults < queue), or of one of its jobs (defaults < queue < job). */
export function jobOptionsOf(definition: QueueDefinition, name?: string): RetryOptions {
  const job = name === undefined ? undefined : definition.jobs[name];
  return { ...DEFAULT_JOB_OPTIONS, ...definition.options, ...job?.options };
}
