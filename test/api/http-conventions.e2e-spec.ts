import request from 'supertest';
import { bearer, createTenant, RunningApp, startApi, TestTenant } from '@helpdesk/testing';

describe('HTTP conventions: request ids, problem details, OpenAPI, health', () => {
  let api: RunningApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
  });
  afterAll(() => api.close());

  describe('x-request-id', () => {
    it('is generated for every answer, success or error', async () => {
      const ok = await request(api.url).get('/health/live').expect(200);
      const error = await request(api.url).get('/api/v1/admin/users').expect(401);
      expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(error.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(error.body.request_id).toBe(error.headers['x-request-id']);
    });

    it('keeps a sane id the caller sent, and replaces one that is not', async () => {
      const kept = await request(api.url).get('/health/live').set('x-request-id', 'trace-42.abc').expect(200);
      expect(kept.headers['x-request-id']).toBe('trace-42.abc');
      const replaced = await request(api.url).get('/health/live').set('x-request-id', 'bad id with spaces').expect(200);
      expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
    });
  });

  describe('problem details', () => {
    it('answers an unknown route with a 404 problem', async () => {
      const response = await request(api.url)
        .get('/api/v1/no-such-route')
        .set(...bearer(tenant.adminToken))
        .expect(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 404, title: 'Not Found', instance: '/api/v1/no-such-route' });
    });

    it('answers an unsupported media type with 415 and changes nothing', async () => {
      const before = await request(api.url)
        .get('/api/v1/admin/teams?limit=200')
        .set(...bearer(tenant.adminToken))
        .expect(200);
      const response = await request(api.url)
        .post('/api/v1/admin/teams')
        .set(...bearer(tenant.adminToken))
        .set('content-type', 'text/plain')
        .send('name=x')
        .expect(415);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const after = await request(api.url)
        .get('/api/v1/admin/teams?limit=200')
        .set(...bearer(tenant.adminToken))
        .expect(200);
      expect(after.body.data).toHaveLength(before.body.data.length);
    });

    it('refuses a body over the size limit with 413', async () => {
      // Past the OpenAPI-checking proxy (ADR 0013): an early 413 and the reset of the body still being
      // sent race across its two connections.
      const response = await request(api.process.url)
        .post('/api/v1/admin/teams')
        .set(...bearer(tenant.adminToken))
        .send({ name: 'x', description: 'y'.repeat(1024 * 1024 + 10) })
        .expect(413);
      expect(response.body.status).toBe(413);
    });

    it('never reveals SQL or stack traces', async () => {
      const response = await request(api.url)
        .get('/api/v1/admin/users/not-a-uuid')
        .set(...bearer(tenant.adminToken))
        .expect(404);
      expect(JSON.stringify(response.body)).not.toMatch(/SELECT|QueryFailedError|at .*\.js/);
    });
  });

  describe('OpenAPI', () => {
    it('serves Swagger UI at /docs and describes every route with its auth and errors', async () => {
      await request(api.url).get('/docs').expect(200).expect('content-type', /html/);
      const { body: document } = await request(api.url).get('/docs/openapi.json').expect(200);
      expect(document.components.securitySchemes).toMatchObject({
        bearer: { type: 'http', scheme: 'bearer' },
        'api-key': { type: 'apiKey', in: 'header', name: 'x-api-key' },
      });
      const expected = [
        'post /api/v1/auth/login',
        'post /api/v1/auth/refresh',
        'get /api/v1/admin/users',
        'post /api/v1/admin/users',
        'get /api/v1/admin/users/{id}',
        'patch /api/v1/admin/users/{id}',
        'delete /api/v1/admin/users/{id}',
        'get /api/v1/admin/teams',
        'post /api/v1/admin/teams',
        'get /api/v1/admin/roles',
        'post /api/v1/admin/roles',
        'patch /api/v1/admin/roles/{id}',
        'delete /api/v1/admin/roles/{id}',
        'get /api/v1/admin/sla-policies',
        'put /api/v1/admin/sla-policies/{priority}',
        'get /api/v1/admin/api-keys',
        'post /api/v1/admin/api-keys',
        'delete /api/v1/admin/api-keys/{id}',
        'get /health/live',
        'get /health/ready',
      ];
      const operations = Object.entries(document.paths as Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>).flatMap(
        ([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ key: `${method} ${path}`, operation })),
      );
      expect(operations.map((o) => o.key)).toEqual(expect.arrayContaining(expected));
      for (const { key, operation } of operations.filter((o) => o.key.includes('/admin/'))) {
        expect([key, operation.security]).toEqual([key, expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }])]);
        expect([key, Object.keys(operation.responses)]).toEqual([key, expect.arrayContaining(['401', '403', '429'])]);
      }
    });
  });

  describe('health', () => {
    it('reports readiness of PostgreSQL and Redis without a credential', async () => {
      const response = await request(api.url).get('/health/ready').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    });
  });
});
