/** One email in several tenants: the password decides, and no answer tells that an email exists. */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createTenant, expectProblem, RunningApp, startApi, TEST_ENV, TestTenant } from '@helpdesk/testing';

describe('login with an email held in several tenants', () => {
  let api: RunningApp;
  let first: TestTenant;
  let second: TestTenant;
  const email = `shared-${randomBytes(4).toString('hex')}@example.test`;
  const login = (body: object) => request(api.url).post('/api/v1/auth/login').send(body);
  const addUser = (tenant: TestTenant, password: string) =>
    request(api.url)
      .post('/api/v1/admin/users')
      .set(...bearer(tenant.adminToken))
      .send({ email, name: 'Shared', role: 'requester', password })
      .expect(201);

  beforeAll(async () => {
    // A Redis prefix of its own: its failed logins count against no other suite's address.
    api = await startApi({ REDIS_PREFIX: `${process.env[TEST_ENV.redisPrefix]}-login-tenants` });
    [first, second] = [await createTenant(api), await createTenant(api)];
    await addUser(first, 'first-tenant-password');
    await addUser(second, 'second-tenant-password');
  });
  afterAll(() => api.close());

  it('signs in to the tenant whose password matches, without naming it', async () => {
    for (const [password, tenant] of [
      ['first-tenant-password', first],
      ['second-tenant-password', second],
    ] as const) {
      const response = await login({ email, password }).expect(200);
      const claims = JSON.parse(Buffer.from(response.body.access_token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims.tid).toBe(tenant.id);
    }
  });

  it('answers a wrong password exactly as an unknown email: 401, the same problem', async () => {
    const wrong = await login({ email, password: 'not-the-password-1' });
    const unknown = await login({ email: `nobody-${randomBytes(4).toString('hex')}@example.test`, password: 'not-the-password-1' });
    expectProblem(wrong, 401, 'unauthenticated');
    expectProblem(unknown, 401, 'unauthenticated');
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('asks for the tenant only when the same password holds in both', async () => {
    const both = `shared-both-${randomBytes(4).toString('hex')}@example.test`;
    for (const tenant of [first, second]) {
      await request(api.url)
        .post('/api/v1/admin/users')
        .set(...bearer(tenant.adminToken))
        .send({ email: both, name: 'Both', role: 'requester', password: 'the-same-password-1' })
        .expect(201);
    }
    const ambiguous = await login({ email: both, password: 'the-same-password-1' });
    expectProblem(ambiguous, 422, 'validation_failed');
    expect(ambiguous.body.errors).toEqual([expect.objectContaining({ field: 'tenant' })]);
    await login({ email: both, password: 'the-same-password-1', tenant: second.slug }).expect(200);
  });
});
