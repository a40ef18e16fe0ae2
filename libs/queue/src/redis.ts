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

/** ioredis options from a redis:// URL, for BullMQ, which opens its own connections. */
export function redisConnectionOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname && parsed.pathname !== '/' ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}
