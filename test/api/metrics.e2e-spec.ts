import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { bearer, createTenant, RunningApp, startApi, TEST_ENV, TestTenant } from '@helpdesk/testing';

const TOKEN = 'metrics-token-for-the-e2e-tests-0123456789';

/** The samples of a Prometheus text exposition, by `name{label="value",...}` with labels sorted. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

const requests = (method: string, route: string, status: number) => `helpdesk_api_http_requests_total{method="${method}",route="${route}",status="${status}"}`;
const durations = (method: string, route: string, status: number) =>
  `helpdesk_api_http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`;

describe('Prometheus metrics of the api', () => {
  describe('with METRICS_TOKEN set', () => {
    let api: RunningApp;
    let tenant: TestTenant;

    beforeAll(async () => {
      // A Redis prefix of its own: the rate limit counted here must not meet other files' budgets.
      api = await startApi({
        METRICS_TOKEN: TOKEN,
        REDIS_PREFIX: `${process.env[TEST_ENV.redisPrefix]}-metrics`,
        LOGIN_FAILURES_BEFORE_BACKOFF: '1',
        LOGIN_BACKOFF_BASE_SECONDS: '60',
      });
      tenant = await createTenant(api);
    });
    afterAll(() => api.close());

    const scrape = async () => {
      const response = await request(api.url).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      return parseMetrics(response.text);
    };

    it('counts every answer by method, route template and status, including those the framework gives', async () => {
      const before = await scrape();
      const admin = bearer(tenant.adminToken);
      await request(api.url)
        .get('/api/v1/admin/teams')
        .set(...admin)
        .expect(200);
      await request(api.url)
        .get('/api/v1/admin/teams')
        .set(...admin)
        .expect(200);
      await request(api.url)
        .get(`/api/v1/tickets/${randomUUID()}`)
        .set(...admin)
        .expect(404);
      await request(api.url)
        .post('/api/v1/admin/teams')
        .set(...admin)
        .send({})
        .expect(422);
      await request(api.url)
        .post('/api/v1/admin/teams')
        .set(...admin)
        .set('content-type', 'text/plain')
        .send('a team')
        .expect(415);
      await request(api.url)
        .get(`/api/v1/no-such-route/${randomUUID()}`)
        .set(...admin)
        .expect(404);
      const after = await scrape();

      const moved = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
      expect(moved(requests('GET', '/api/v1/admin/teams', 200))).toBe(2);
      expect(moved(requests('GET', '/api/v1/tickets/:id', 404))).toBe(1);
      expect(moved(requests('POST', '/api/v1/admin/teams', 422))).toBe(1);
      expect(moved(requests('POST', '/api/v1/admin/teams', 415))).toBe(1);
      expect(moved(requests('GET', 'unmatched', 404))).toBe(1);
      expect(moved(durations('GET', '/api/v1/admin/teams', 200))).toBe(2);
      expect(moved(durations('GET', '/api/v1/tickets/:id', 404))).toBe(1);
      // The first scrape's own answer is counted once it is sent.
      expect(moved(requests('GET', '/metrics', 200))).toBe(1);
      // No series names a raw URL.
      expect([...after.keys()].filter((key) => key.includes('no-such-route') || /route="[^"]*[0-9a-f]{8}-/.test(key))).toEqual([]);
      expect(after.get('helpdesk_api_process_cpu_user_seconds_total{}')).toBeGreaterThan(0);
    });

    it('counts rate-limit rejections by credential kind', async () => {
      const created = await request(api.url)
        .post('/api/v1/admin/api-keys')
        .set(...bearer(tenant.adminToken))
        .send({ name: 'metered', role: 'admin', scopes: ['admin'], rate_limit: 1 })
        .expect(201);
      const before = await scrape();
      await request(api.url).get('/api/v1/admin/teams').set('x-api-key', created.body.key).expect(200);
      await request(api.url).get('/api/v1/admin/teams').set('x-api-key', created.body.key).expect(429);
      await request(api.url).get('/api/v1/admin/teams').set('x-api-key', created.body.key).expect(429);
      const after = await scrape();
      const moved = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
      expect(moved('helpdesk_api_rate_limited_total{credential="api_key"}')).toBe(2);
      expect(moved('helpdesk_api_rate_limited_total{credential="user"}')).toBe(0);
      expect(moved(requests('GET', '/api/v1/admin/teams', 429))).toBe(2);
    });

    it('counts logins refused by the failed-login back-off', async () => {
      const before = await scrape();
      const login = { email: `nobody-${randomUUID()}@example.test`, password: 'not the password at all' };
      await request(api.url).post('/api/v1/auth/login').send(login).expect(401);
      await request(api.url).post('/api/v1/auth/login').send(login).expect(429);
      const after = await scrape();
      const moved = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
      expect(moved('helpdesk_api_login_backoff_refusals_total{}')).toBe(1);
      expect(moved(requests('POST', '/api/v1/auth/login', 429))).toBe(1);
      expect(moved('helpdesk_api_rate_limited_total{credential="anonymous"}')).toBe(0);
    });

    it('refuses a scrape without the token, or with another, as a 401 problem', async () => {
      for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer ${tenant.adminToken}`]) {
        const call = request(api.url).get('/metrics');
        const response = await (authorization ? call.set('authorization', authorization) : call).expect(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.text).not.toContain('helpdesk_api_');
      }
    });
  });

  describe('without METRICS_TOKEN', () => {
    let api: RunningApp;

    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api.close());

    it('serves no metrics: /metrics is a 404 problem, with or without a token', async () => {
      for (const authorization of [undefined, `Bearer ${TOKEN}`]) {
        const call = request(api.url).get('/metrics');
        const response = await (authorization ? call.set('authorization', authorization) : call).expect(404);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status: 404 });
        expect(response.text).not.toContain('helpdesk_api_');
      }
    });
  });
});
