import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  createTenant,
  createUser,
  dataSourceOf,
  expectProblem,
  RunningApp,
  startApi,
  TEST_ENV,
  TEST_PASSWORD,
  testRedisUrl,
  TestTenant,
  uniqueSlug,
} from '@helpdesk/testing';
import { eventually, freshClientAddress, from } from './auth-support';

/**
 * Failed logins back off per account from one client address (3 here), per account from all
 * addresses (5) and per client address (6): from the threshold on, each failure locks its subject
 * for 1 s, doubling, at most 2 s here. Every test comes from client addresses of its own
 * (127.x.y.z, see freshClientAddress), and the file has a Redis prefix of its own.
 */
const SETTINGS = {
  LOGIN_FAILURES_BEFORE_BACKOFF: '3',
  LOGIN_ACCOUNT_FAILURES_BEFORE_BACKOFF: '5',
  LOGIN_ADDRESS_FAILURES_BEFORE_BACKOFF: '6',
  LOGIN_BACKOFF_BASE_SECONDS: '1',
  LOGIN_BACKOFF_MAX_SECONDS: '2',
  LOGIN_FAILURE_WINDOW_SECONDS: '60',
};
const CAP_SECONDS = 2;
const WRONG = 'not-the-password';

describe('login back-off per account and per client address', () => {
  const prefix = `${process.env[TEST_ENV.redisPrefix] ?? 'helpdesk-test'}-login-limits-${randomBytes(3).toString('hex')}`;
  let api: RunningApp;
  let tenant: TestTenant;
  let redis: Redis;

  beforeAll(async () => {
    api = await startApi({ ...SETTINGS, REDIS_PREFIX: prefix });
    tenant = await createTenant(api);
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis?.quit();
    await api?.close();
  });

  const login = (address: string, email: string, password: string, extra: object = {}) =>
    request(api.url)
      .post('/api/v1/auth/login')
      .agent(from(address))
      .send({ email, password, ...extra });

  async function statusesOf(address: string, email: string, password: string, times: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < times; i++) statuses.push((await login(address, email, password)).status);
    return statuses;
  }

  /** A 429 problem+json with a Retry-After of 1 s up to the cap. */
  function expectBackOff(response: request.Response): void {
    expectProblem(response, 429, 'rate_limited');
    const retryAfter = Number(response.headers['retry-after']);
    expect({ retryAfter, atLeast1: retryAfter >= 1, atMostCap: retryAfter <= CAP_SECONDS }).toEqual({ retryAfter, atLeast1: true, atMostCap: true });
    expect(response.body.retry_after_seconds).toBe(retryAfter);
  }

  /** Logs in with the right password as soon as the lockout is over (a bounded wait). */
  const loginOnceLockoutEnds = (address: string, email: string) =>
    eventually(`the lockout of ${email} from ${address} to end`, async () => {
      const response = await login(address, email, TEST_PASSWORD);
      if (response.status === 429) return null;
      return response;
    });

  it('backs off after repeated wrong passwords: 429 with Retry-After, even for the right password, which is not looked at', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const attacker = freshClientAddress();
    const before = (await dataSourceOf(api).query('SELECT last_login_at FROM users WHERE id = $1', [user.id]))[0].last_login_at;

    expect(await statusesOf(attacker, user.email, WRONG, 3)).toEqual([401, 401, 401]);
    expectBackOff(await login(attacker, user.email, WRONG));
    expectBackOff(await login(attacker, user.email, TEST_PASSWORD));
    expectBackOff(await login(attacker, user.email.toUpperCase(), TEST_PASSWORD));
    // The login did not happen.
    expect((await dataSourceOf(api).query('SELECT last_login_at FROM users WHERE id = $1', [user.id]))[0].last_login_at).toEqual(before);
  });

  it('refuses a locked-out login before looking the account up: no 422 for an email of two tenants', async () => {
    const other = await createTenant(api);
    const email = `shared-${uniqueSlug()}@example.test`;
    for (const t of [tenant, other]) {
      await request(api.url)
        .post('/api/v1/admin/users')
        .set('authorization', `Bearer ${t.adminToken}`)
        .send({ email, name: 'Shared', role: 'ops_agent', password: TEST_PASSWORD })
        .expect(201);
    }
    const address = freshClientAddress();
    // Unlocked, the email alone is ambiguous: the api looks it up and asks for the tenant.
    expect((await login(address, email, TEST_PASSWORD)).status).toBe(422);
    expect((await login(address, email, WRONG, { tenant: tenant.slug })).status).toBe(401);
    expect((await login(address, email, WRONG, { tenant: tenant.slug })).status).toBe(401);
    expectBackOff(await login(address, email, TEST_PASSWORD));
  });

  it('lets the right password in once the lockout is over, and the success resets the account’s count', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const address = freshClientAddress();
    expect(await statusesOf(address, user.email, WRONG, 3)).toEqual([401, 401, 401]);
    expectBackOff(await login(address, user.email, TEST_PASSWORD));

    expect((await loginOnceLockoutEnds(address, user.email)).status).toBe(200);
    // Counted from zero again: two more failures do not lock the account.
    expect(await statusesOf(address, user.email, WRONG, 2)).toEqual([401, 401]);
    expect((await login(address, user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('locks one client out of an account without locking its owner out from another address', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const attacker = freshClientAddress();
    expect(await statusesOf(attacker, user.email, WRONG, 3)).toEqual([401, 401, 401]);
    expectBackOff(await login(attacker, user.email, TEST_PASSWORD));
    expect((await login(freshClientAddress(), user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('backs off an account failed from several addresses for every address, until the lockout ends', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const [first, second, owner] = [freshClientAddress(), freshClientAddress(), freshClientAddress()];
    // 3 from the first address and 2 from the second make the account's 5.
    expect(await statusesOf(first, user.email, WRONG, 3)).toEqual([401, 401, 401]);
    expect(await statusesOf(second, user.email, WRONG, 2)).toEqual([401, 401]);
    expectBackOff(await login(owner, user.email, TEST_PASSWORD));
    expect((await loginOnceLockoutEnds(owner, user.email)).status).toBe(200);
  });

  it('backs off a client address across accounts, doubling the lockout up to the cap; its counts expire by themselves', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const sprayer = freshClientAddress();
    const unknown = () => `nobody-${randomBytes(4).toString('hex')}@${tenant.slug}.test`;
    const lockout = `${prefix}:login-backoff:lockout:address:${sprayer}`;
    const failures = `${prefix}:login-backoff:failures:address:${sprayer}`;

    for (let i = 0; i < 6; i++) expect((await login(sprayer, unknown(), WRONG)).status).toBe(401);
    expectBackOff(await login(sprayer, unknown(), WRONG));
    expectBackOff(await login(sprayer, user.email, TEST_PASSWORD));
    // Another client is not concerned.
    expect((await login(freshClientAddress(), user.email, TEST_PASSWORD)).status).toBe(200);

    const lockouts = [await redis.get(lockout)];
    for (let i = 0; i < 2; i++) {
      await eventually('the address lockout to end', async () => (await login(sprayer, unknown(), WRONG)).status === 401);
      lockouts.push(await redis.get(lockout));
    }
    // Full lengths in milliseconds: 1 s, doubled, then held at the 2 s cap.
    expect(lockouts).toEqual(['1000', '2000', '2000']);
    const ttl = await redis.pttl(failures);
    expect({ ttl, expires: ttl > 0, withinLockoutPlusWindow: ttl <= 2000 + 60_000 }).toEqual({ ttl, expires: true, withinLockoutPlusWindow: true });
  });

  it('answers the same for an unknown account as for a wrong password, also once backing off', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const answers = async (email: string) => {
      const address = freshClientAddress();
      const responses = [];
      for (let i = 0; i < 4; i++) responses.push(await login(address, email, WRONG));
      return responses.map((r) => ({
        status: r.status,
        type: r.headers['content-type'],
        retryAfter: r.headers['retry-after'] !== undefined,
        body: { ...r.body, instance: undefined, request_id: undefined },
      }));
    };
    const known = await answers(user.email);
    const unknown = await answers(`nobody-${randomBytes(4).toString('hex')}@${tenant.slug}.test`);
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 429]);
    // Retry-After may differ by a second at a boundary; its presence may not.
    const comparable = (list: typeof known) =>
      list.map(({ body, ...rest }) => ({ ...rest, body: { ...body, detail: body.status === 429 ? 'retry' : body.detail, retry_after_seconds: undefined } }));
    expect(comparable(unknown)).toEqual(comparable(known));
  });

  describe('client addresses', () => {
    it('ignores X-Forwarded-For from a peer that is not a configured proxy', async () => {
      const user = await createUser(api, tenant, 'ops_agent');
      const address = freshClientAddress();
      const spoofed = (n: number, password: string) => login(address, user.email, password).set('x-forwarded-for', `198.51.100.${n}`);
      const statuses = [];
      for (let i = 1; i <= 3; i++) statuses.push((await spoofed(i, WRONG)).status);
      expect(statuses).toEqual([401, 401, 401]);
      expectBackOff(await spoofed(4, TEST_PASSWORD));
    });

    it('counts the forwarded client address when the peer is a proxy named in TRUST_PROXY', async () => {
      const proxied = await startApi({ ...SETTINGS, REDIS_PREFIX: `${prefix}-proxied`, TRUST_PROXY: '127.0.0.0/8' });
      try {
        const user = await createUser(proxied, await createTenant(proxied), 'ops_agent');
        const proxy = freshClientAddress();
        const via = (client: string, password: string) =>
          request(proxied.url).post('/api/v1/auth/login').agent(from(proxy)).set('x-forwarded-for', client).send({ email: user.email, password });
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await via('198.51.100.7', WRONG)).status);
        expect(statuses).toEqual([401, 401, 401]);
        expectBackOff(await via('198.51.100.7', TEST_PASSWORD));
        // The owner, behind the same proxy, is another client.
        expect((await via('198.51.100.8', TEST_PASSWORD)).status).toBe(200);
      } finally {
        await proxied.close();
      }
    });
  });
});
