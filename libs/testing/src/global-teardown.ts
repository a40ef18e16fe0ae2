import './register-aliases';
import Redis from 'ioredis';
import { dropDatabase } from '@helpdesk/database';
import { TEST_ENV, testRedisUrl } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const url = process.env[TEST_ENV.databaseUrl];
  if (url && !process.env.KEEP_TEST_DATABASE) await dropDatabase(url);
  const prefix = process.env[TEST_ENV.redisPrefix];
  if (prefix) {
    const redis = new Redis(testRedisUrl());
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}
