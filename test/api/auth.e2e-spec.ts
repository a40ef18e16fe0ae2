import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, RunningApp, startApi, TEST_JWT_SECRET, TEST_PASSWORD, TestTenant, UUID_RE } from '@helpdesk/testing';

describe('auth: login, access tokens, refresh rotation', () => {
  let api: RunningApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
  });
  afterAll(() => api.close());

  const login = (body: object) => request(api.url).post('/api/v1/auth/login').send(body);
  const refresh = (refresh_token: string) => request(api.url).post('/api/v1/auth/refresh').send({ refresh_token });
  const me = (token: string) =>
    request(api.url)
      .get('/api/v1/admin/roles')
      .set(...bearer(token));

  describe('login', () => {
    it('returns a short-lived JWT and a refresh token for the right password', async () => {
      const response = await login({ email: tenant.adminEmail, password: TEST_PASSWORD }).expect(200);
      expect(response.body).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refresh_token: expect.stringMatching(/^rt_/),
        token_type: 'Bearer',
        expires_in: 900,
      });
      const claims = new JwtService().decode(response.body.access_token);
      // sid: the session (refresh-token family); ver: the user's token generation.
      expect(claims).toMatchObject({ tid: tenant.id, typ: 'access', sid: expect.stringMatching(UUID_RE), ver: 0 });
      expect(claims.exp - claims.iat).toBe(900);
      await me(response.body.access_token).expect(200);
    });

    it('takes the email case-insensitively', async () => {
      await login({ email: tenant.adminEmail.toUpperCase(), password: TEST_PASSWORD }).expect(200);
    });

    it('answers 401 problem+json, the same for a wrong password and an unknown email', async () => {
      const wrong = await login({ email: tenant.adminEmail, password: 'not-the-password' }).expect(401);
      const unknown = await login({ email: `nobody@${tenant.slug}.test`, password: TEST_PASSWORD }).expect(401);
      expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(wrong.body).toMatchObject({ type: 'urn:helpdesk:problem:unauthenticated', status: 401, title: 'Unauthorized' });
      expect(unknown.body.detail).toBe(wrong.body.detail);
    });

    it('refuses a deactivated user', async () => {
      const user = await createUser(api, tenant, 'ops_agent');
      await request(api.url)
        .delete(`/api/v1/admin/users/${user.id}`)
        .set(...bearer(tenant.adminToken))
        .expect(204);
      await login({ email: user.email, password: TEST_PASSWORD }).expect(401);
      // The token issued before deactivation stops working at once.
      await request(api.url)
        .get('/api/v1/admin/teams')
        .set(...bearer(user.token))
        .expect(401);
    });

    it('answers 422 with field errors for a malformed body, and 400 for malformed JSON', async () => {
      const response = await login({ email: 'not-an-email', password: '', role: 'admin' }).expect(422);
      expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password', 'role']);
      const malformed = await request(api.url).post('/api/v1/auth/login').set('content-type', 'application/json').send('{"email":').expect(400);
      expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('asks for the tenant when the email exists in two tenants, and logs into the one named', async () => {
      const other = await createTenant(api);
      const email = `shared-${tenant.slug}@example.test`;
      for (const t of [tenant, other]) {
        await request(api.url)
          .post('/api/v1/admin/users')
          .set(...bearer(t.adminToken))
          .send({ email, name: 'Shared', role: 'ops_agent', password: TEST_PASSWORD })
          .expect(201);
      }
      const ambiguous = await login({ email, password: TEST_PASSWORD }).expect(422);
      expect(ambiguous.body.errors).toEqual([{ field: 'tenant', message: expect.any(String) }]);
      const response = await login({ email, password: TEST_PASSWORD, tenant: other.slug }).expect(200);
      expect(new JwtService().decode(response.body.access_token).tid).not.toBe(tenant.id);
    });
  });

  describe('access tokens', () => {
    const signed = (claims: object, options: object = {}) => new JwtService().sign(claims, { secret: TEST_JWT_SECRET, algorithm: 'HS256', ...options });

    it('refuses a missing, malformed, tampered, expired or foreign-signed token with 401', async () => {
      const { body } = await login({ email: tenant.adminEmail, password: TEST_PASSWORD });
      const [header, payload, signature] = body.access_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, tid: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${signature}`;
      const session = { sub: claims.sub, tid: claims.tid, typ: 'access', sid: claims.sid, ver: claims.ver };
      const expired = signed(session, { expiresIn: -10 });
      const foreign = new JwtService().sign(session, { secret: 'another-secret-another-secret-another', algorithm: 'HS256' });
      // Well signed, but naming no session, or a session that never existed.
      const sessionless = signed({ sub: claims.sub, tid: claims.tid, typ: 'access' });
      const unknownSession = signed({ ...session, sid: '00000000-0000-4000-8000-000000000000' });
      await request(api.url).get('/api/v1/admin/roles').expect(401);
      for (const token of ['garbage', tampered, expired, foreign, sessionless, unknownSession]) {
        const response = await me(token).expect(401);
        expect(response.body.type).toBe('urn:helpdesk:problem:unauthenticated');
      }
      await me(signed(session)).expect(200);
    });

    it('binds the caller to the tenant of the credential: another tenant’s records are not found', async () => {
      const other = await createTenant(api);
      const stranger = await createUser(api, other, 'ops_agent');
      await request(api.url)
        .get(`/api/v1/admin/users/${stranger.id}`)
        .set(...bearer(tenant.adminToken))
        .expect(404);
      await request(api.url)
        .patch(`/api/v1/admin/users/${stranger.id}`)
        .set(...bearer(tenant.adminToken))
        .send({ name: 'Hijacked' })
        .expect(404);
      const list = await request(api.url)
        .get('/api/v1/admin/users?limit=200')
        .set(...bearer(tenant.adminToken))
        .expect(200);
      expect(list.body.data.map((u: { id: string }) => u.id)).not.toContain(stranger.id);
      // A token naming another tenant with this user's id is not a way in either.
      const { body } = await login({ email: tenant.adminEmail, password: TEST_PASSWORD });
      const { sub, sid, ver } = new JwtService().decode(body.access_token);
      await me(signed({ sub, tid: other.id, typ: 'access', sid, ver })).expect(401);
    });
  });

  describe('refresh', () => {
    it('rotates: each refresh token works once and yields a new pair', async () => {
      const first = (await login({ email: tenant.adminEmail, password: TEST_PASSWORD })).body;
      const second = (await refresh(first.refresh_token).expect(200)).body;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      await me(second.access_token).expect(200);
      const third = (await refresh(second.refresh_token).expect(200)).body;
      await me(third.access_token).expect(200);
    });

    it('treats reuse of a spent token as theft and revokes the whole family', async () => {
      const first = (await login({ email: tenant.adminEmail, password: TEST_PASSWORD })).body;
      const second = (await refresh(first.refresh_token).expect(200)).body;
      const reuse = await refresh(first.refresh_token).expect(401);
      expect(reuse.body.detail).toMatch(/already used/);
      // The legitimate descendant is dead too.
      await refresh(second.refresh_token).expect(401);
      const rows = await dataSourceOf(api).query(
        'SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = encode(sha256($1::bytea), $2)) AND revoked_at IS NULL',
        [second.refresh_token, 'hex'],
      );
      expect(rows[0].n).toBe(0);
      // Another session (its own family) is untouched.
      const other = (await login({ email: tenant.adminEmail, password: TEST_PASSWORD })).body;
      await refresh(other.refresh_token).expect(200);
    });

    it('lets exactly one of two concurrent refreshes with the same token win', async () => {
      const first = (await login({ email: tenant.adminEmail, password: TEST_PASSWORD })).body;
      const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('refuses an unknown or expired refresh token, and one of a deactivated user', async () => {
      await refresh('rt_this-token-was-never-issued-by-the-api').expect(401);
      const user = await createUser(api, tenant, 'ops_agent');
      const pair = (await login({ email: user.email, password: TEST_PASSWORD })).body;
      await dataSourceOf(api).query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [user.id]);
      await refresh(pair.refresh_token).expect(401);
      const fresh = (await login({ email: user.email, password: TEST_PASSWORD })).body;
      await request(api.url)
        .delete(`/api/v1/admin/users/${user.id}`)
        .set(...bearer(tenant.adminToken))
        .expect(204);
      await refresh(fresh.refresh_token).expect(401);
    });

    it('answers 422 for a body without refresh_token', async () => {
      const response = await request(api.url).post('/api/v1/auth/refresh').send({}).expect(422);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('refresh_token');
    });
  });
});
