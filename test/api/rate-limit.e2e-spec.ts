import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, createTenant, createUser, RunningApp, startApi, TEST_ENV, TestTenant } from '@helpdesk/testing';

const WINDOW_SECONDS = 2;
const DEFAULT_LIMIT = 50;

describe('rate limiting per API key, per user and per client on public routes', () => {
  let api: RunningApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    // A Redis prefix of its own: other test files' logins from 127.0.0.1 must not count here.
    api = await startApi({
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
      RATE_LIMIT_DEFAULT: String(DEFAULT_LIMIT),
      REDIS_PREFIX: `${process.env[TEST_ENV.redisPrefix]}-rate-limit`,
    });
    tenant = await createTenant(api);
  });
  afterAll(() => api.close());

  async function createKey(rateLimit?: number): Promise<string> {
    const response = await request(api.url)
      .post('/api/v1/admin/api-keys')
      .set(...bearer(tenant.adminToken))
      .send({ name: 'rate-limited', role: 'admin', scopes: ['admin'], ...(rateLimit ? { rate_limit: rateLimit } : {}) })
      .expect(201);
    return response.body.key;
  }

  const withKey = (key: string) => request(api.url).get('/api/v1/admin/teams').set('x-api-key', key);

  it('counts down RateLimit-Remaining, answers 429 past the key’s limit, and lets it through again after the reset', async () => {
    const key = await createKey(3);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await withKey(key).expect(200);
      expect(response.headers['ratelimit-limit']).toBe('3');
      remaining.push(response.headers['ratelimit-remaining']);
      expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers['ratelimit-reset'])).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await withKey(key).expect(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ type: 'urn:helpdesk:problem:rate_limited', status: 429, limit: 3 });
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);

    await sleep(retryAfter * 1000 + 200);
    const again = await withKey(key).expect(200);
    expect(again.headers['ratelimit-remaining']).toBe('2');
  });

  it('keeps a separate budget per key: one exhausted key does not limit another', async () => {
    const exhausted = await createKey(1);
    const fresh = await createKey(1);
    await withKey(exhausted).expect(200);
    await withKey(exhausted).expect(429);
    await withKey(fresh).expect(200);
  });

  it('limits users by their own rate_limit, and by the configured default otherwise', async () => {
    const limitedUser = await createUser(api, tenant, 'auditor', { rate_limit: 2 });
    const call = (token: string) =>
      request(api.url)
        .get('/api/v1/admin/teams')
        .set(...bearer(token));
    await call(limitedUser.token).expect(200);
    await call(limitedUser.token).expect(200);
    const limited = await call(limitedUser.token).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();

    const plainUser = await createUser(api, tenant, 'auditor');
    const response = await call(plainUser.token).expect(200);
    expect(response.headers['ratelimit-limit']).toBe(String(DEFAULT_LIMIT));
    expect(response.headers['ratelimit-remaining']).toBe(String(DEFAULT_LIMIT - 1));
  });

  it('does not count health probes', async () => {
    const response = await request(api.url).get('/health/live').expect(200);
    expect(response.headers['ratelimit-limit']).toBeUndefined();
  });

  it('limits public routes per client address', async () => {
    // An api of its own with a small default and a long window, so that slow logins (argon2 on a
    // busy machine) cannot outlast the window.
    const strict = await startApi({
      RATE_LIMIT_WINDOW_SECONDS: '120',
      RATE_LIMIT_DEFAULT: '5',
      REDIS_PREFIX: `${process.env[TEST_ENV.redisPrefix]}-rate-limit-public`,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await request(strict.url).post('/api/v1/auth/login').send({ email: 'nobody@example.test', password: 'wrong-password' });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await strict.close();
    }
  });
});
