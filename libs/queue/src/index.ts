export * from './redis';
export * from './queues';
export * from './redis.module';
export * from './redis-lock';
export * from './sla-queue';
export * from './queue.module';
