import { JobNameOf, PayloadOf, QueueDefinition } from './jobs/queue-definition';
import { SLA_QUEUE } from './sla-queue';

/**
 * The job contract: every queue, its job names and their payload classes (see docs/adr/0010).
 * A feature adds its queue in a file of its own (`<feature>-queue.ts`, `defineQueue`) and one
 * entry here; the api and the worker register, produce and consume through these types.
 */
export const JOB_QUEUES = [SLA_QUEUE] as const;

type Definitions = (typeof JOB_QUEUES)[number];
export type QueueName = Definitions['name'];
export type QueueDefinitionOf<Q extends QueueName> = Extract<Definitions, { name: Q }>;
export type JobName<Q extends QueueName> = JobNameOf<QueueDefinitionOf<Q>>;
export type JobPayload<Q extends QueueName, N extends JobName<Q>> = PayloadOf<QueueDefinitionOf<Q>, N>;
/** Every job of a queue with its payload, e.g. JobPayloads<'sla'>['check-ticket']. */
export type JobPayloads<Q extends QueueName> = { [N in JobName<Q>]: JobPayload<Q, N> };

/** The queue names, as constants. */
export const QUEUES = Object.fromEntries(JOB_QUEUES.map((queue) => [queue.name, queue.name])) as { [D in Definitions as D['name']]: D['name'] };

const BY_NAME = new Map<string, QueueDefinition>(JOB_QUEUES.map((queue) => [queue.name, queue]));
if (BY_NAME.size !== JOB_QUEUES.length) throw new Error('Two queues of the job contract share a name');

export function queueDefinition<Q extends QueueName>(name: Q): QueueDefinitionOf<Q>;
export function queueDefinition(name: string): QueueDefinition | undefined;
export function queueDefinition(name: string): QueueDefinition | undefined {
  return BY_NAME.get(name);
}

/** Kept for callers written before the contract: the SLA queue's names and payloads. */
export type SlaJobName = JobName<'sla'>;
export type SlaJobPayloads = JobPayloads<'sla'>;
