import request from 'supertest';
import { bearer, createTenant, RunningApp, startApi, TestTenant } from '@helpdesk/testing';

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

function expectSecurityHeaders(headers: Record<string, string>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(headers['x-powered-by']).toBeUndefined();
}

function expectNoCors(headers: Record<string, string>): void {
  for (const name of Object.keys(headers)) expect(name).not.toMatch(/^access-control-/);
}

describe('Security headers and CORS', () => {
  describe('with CORS_ORIGINS set', () => {
    let api: RunningApp;
    let tenant: TestTenant;

    beforeAll(async () => {
      api = await startApi({ CORS_ORIGINS: `${ALLOWED},http://localhost:5173` });
      tenant = await createTenant(api);
    });
    afterAll(() => api.close());

    it('puts the security headers and a deny-all content policy on an API answer and on a problem', async () => {
      const ok = await request(api.url)
        .get('/api/v1/admin/users')
        .set(...bearer(tenant.adminToken))
        .expect(200);
      expectSecurityHeaders(ok.headers);
      expect(ok.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");

      const problem = await request(api.url).get('/api/v1/admin/users').expect(401);
      expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
      expectSecurityHeaders(problem.headers);
      expect(problem.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");

      const notFound = await request(api.url).get('/api/v1/no-such-route').expect(404);
      expectSecurityHeaders(notFound.headers);
    });

    it('still serves the Swagger UI and its document under a policy that lets the page load', async () => {
      const page = await request(api.url).get('/docs').expect(200).expect('content-type', /html/);
      expect(page.text).toContain('swagger-ui-bundle.js');
      expectSecurityHeaders(page.headers);
      const policy = page.headers['content-security-policy'] ?? '';
      expect(policy).toContain("script-src 'self'");
      expect(policy).toMatch(/style-src 'self'[^;]*'unsafe-inline'/);
      expect(policy).not.toContain('upgrade-insecure-requests');
      const init = await request(api.url).get('/docs/swagger-ui-init.js').expect(200);
      expect(init.headers['content-type']).toMatch(/javascript/);
      const document = await request(api.url).get('/docs/openapi.json').expect(200);
      expect(document.body.openapi).toMatch(/^3\./);
    });

    it('answers a preflight from an allowed origin with the methods and headers clients need', async () => {
      const response = await request(api.url)
        .options('/api/v1/admin/teams')
        .set('origin', ALLOWED)
        .set('access-control-request-method', 'PATCH')
        .set('access-control-request-headers', 'authorization, if-match, content-type')
        .expect(204);
      expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(response.headers['access-control-allow-methods']).toContain('PATCH');
      const allowed = response.headers['access-control-allow-headers']?.toLowerCase().split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-api-key']));
      expect(response.headers.vary).toMatch(/origin/i);
    });

    it('names an allowed origin and exposes ETag, Location, x-request-id and the rate-limit headers on a real request', async () => {
      const response = await request(api.url)
        .post('/api/v1/admin/teams')
        .set(...bearer(tenant.adminToken))
        .set('origin', ALLOWED)
        .send({ name: 'CORS team' })
        .expect(201);
      expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
      const exposed = response.headers['access-control-expose-headers']?.toLowerCase().split(/,\s*/);
      expect(exposed).toEqual(
        expect.arrayContaining(['etag', 'location', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']),
      );
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('gives another origin no CORS header, on a preflight or a real request', async () => {
      const preflight = await request(api.url)
        .options('/api/v1/admin/teams')
        .set('origin', OTHER)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization, content-type');
      expect(preflight.status).toBe(404);
      expectNoCors(preflight.headers);
      const real = await request(api.url)
        .get('/api/v1/admin/teams')
        .set(...bearer(tenant.adminToken))
        .set('origin', OTHER)
        .expect(200);
      expectNoCors(real.headers);
      // An origin that only differs from an allowed one by its scheme or port is another origin.
      const lookalike = await request(api.url).get('/health/live').set('origin', 'http://app.example.com').expect(200);
      expectNoCors(lookalike.headers);
    });
  });

  describe('without CORS_ORIGINS', () => {
    let api: RunningApp;
    let tenant: TestTenant;

    beforeAll(async () => {
      api = await startApi();
      tenant = await createTenant(api);
    });
    afterAll(() => api.close());

    it('sends no CORS header to any origin', async () => {
      const preflight = await request(api.url).options('/api/v1/admin/teams').set('origin', ALLOWED).set('access-control-request-method', 'POST');
      expect(preflight.status).toBe(404);
      expectNoCors(preflight.headers);
      const real = await request(api.url)
        .get('/api/v1/admin/teams')
        .set(...bearer(tenant.adminToken))
        .set('origin', ALLOWED)
        .expect(200);
      expectNoCors(real.headers);
      expectSecurityHeaders(real.headers);
    });
  });
});
