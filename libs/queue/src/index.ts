export * from './redis';
export * from './queues';
export * from './redis.module';
