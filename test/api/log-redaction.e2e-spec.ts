import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createTenant, RunningApp, startApi, TestTenant } from '@helpdesk/testing';

const unique = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

describe('Log redaction: no credential reaches the api log', () => {
  let api: RunningApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    // Trace: the most the api ever logs, every request included.
    api = await startApi({ LOG_LEVEL: 'trace' });
    tenant = await createTenant(api);
  });
  afterAll(() => api.close());

  it('keeps passwords, tokens, API keys, cookies and URL signatures out of a full run', async () => {
    const secrets: Record<string, string> = {};
    const email = `logs-${randomBytes(4).toString('hex')}@${tenant.slug}.test`;
    secrets.password = unique('user-password');
    await request(api.url)
      .post('/api/v1/admin/users')
      .set(...bearer(tenant.adminToken))
      .send({ email, name: 'Log test', role: 'ops_agent', password: secrets.password })
      .expect(201);
    secrets.adminToken = tenant.adminToken;

    const login = await request(api.url).post('/api/v1/auth/login').send({ email, password: secrets.password }).expect(200);
    secrets.accessToken = login.body.access_token;
    secrets.refreshToken = login.body.refresh_token;
    const refreshed = await request(api.url).post('/api/v1/auth/refresh').send({ refresh_token: secrets.refreshToken }).expect(200);
    secrets.refreshedAccessToken = refreshed.body.access_token;
    secrets.refreshedRefreshToken = refreshed.body.refresh_token;
    // A refresh token used twice: refused, and still not logged.
    await request(api.url).post('/api/v1/auth/refresh').send({ refresh_token: secrets.refreshToken }).expect(401);

    secrets.wrongPassword = unique('wrong-password');
    await request(api.url).post('/api/v1/auth/login').send({ email, password: secrets.wrongPassword }).expect(401);

    const created = await request(api.url)
      .post('/api/v1/admin/api-keys')
      .set(...bearer(tenant.adminToken))
      .send({ name: 'log test key', role: 'admin', scopes: ['admin'] })
      .expect(201);
    secrets.apiKey = created.body.key;
    await request(api.url).get('/api/v1/admin/users').set('x-api-key', secrets.apiKey).expect(200);
    secrets.badApiKey = `hd_zzzzzzzz_${randomBytes(32).toString('base64url')}`;
    await request(api.url).get('/api/v1/admin/users').set('x-api-key', secrets.badApiKey).expect(401);

    // A validation error on a body that carries a password.
    secrets.refusedPassword = unique('refused-password');
    await request(api.url)
      .post('/api/v1/admin/users')
      .set(...bearer(tenant.adminToken))
      .send({ email: 'not-an-email', name: '', role: 'ops_agent', password: secrets.refusedPassword, extra: secrets.refusedPassword })
      .expect(422);

    secrets.cookie = unique('cookie');
    secrets.signature = unique('signature');
    await request(api.url)
      .get(`/health/live?X-Amz-Credential=a&X-Amz-Signature=${secrets.signature}`)
      .set('cookie', `session=${secrets.cookie}`)
      .set('authorization', `Bearer ${secrets.signature}`)
      .expect(200);

    await api.process.stop();
    const output = api.process.output();
    // The run was logged: each request's line is there, its secrets are not.
    expect(output).toContain('/api/v1/auth/login');
    expect(output).toContain('/api/v1/auth/refresh');
    expect(output).toContain('X-Amz-Signature=[redacted]');
    for (const [name, secret] of Object.entries(secrets)) {
      expect({ name, found: output.includes(secret) }).toEqual({ name, found: false });
    }
  });
});
