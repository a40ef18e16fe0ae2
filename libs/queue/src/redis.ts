import Redis, { RedisOptions } from 'ioredis';
import { redisUnavailable } from '@helpdesk/config';

export const REDIS = Symbol('REDIS');

/**
 * A Redis connection suitable for BullMQ too (no per-command retry limit). The process's key
 * prefix is applied by the callers that write keys, since BullMQ takes its own `prefix` option.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: true, ...options });
}

/** Connects once, failing fast with a one-line error naming the URL. */
export async function assertRedisReachable(url: string): Promise<void> {
  const probe = createRedis(url, { retryStrategy: () => null, connectTimeout: 3000, maxRetriesPerRequest: 1 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw redisUnavailable(url, error);
  } finally {
    probe.disconnect();
  }
}
