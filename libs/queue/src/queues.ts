/**
 * The queue contract: names here, typed payloads and producers beside them as the features that
 * use them arrive (SLA, outbox relay, notifications, exports).
 */
export const QUEUES = {
  sla: 'sla',
  outbox: 'outbox',
  notifications: 'notifications',
  exports: 'exports',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
