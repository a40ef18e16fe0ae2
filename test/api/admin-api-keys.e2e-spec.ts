import { createHash, randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  adminIdOf,
  bearer,
  createTenant,
  createUser,
  dataSourceOf,
  expectProblem,
  fieldsOf,
  ISO,
  Method,
  routeCaller,
  RunningApp,
  secretsIn,
  startApi,
  TestTenant,
  TestUser,
  UUID,
} from '@helpdesk/testing';

/** Property names that must never leave the api, in any response (see `secretsIn`). */
const SECRET_KEYS = ['key', 'key_hash', 'password_hash'];

const KEY = /^hd_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

describe('admin API: API keys', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let opsAgent: TestUser;
  let auditor: TestUser;
  let requester: TestUser;
  let adminId: string;
  let foreignKeyId: string;

  const call = routeCaller(() => api, '/api/v1/admin/api-keys');
  const newKey = async (body: object = {}, owner: TestTenant = tenant) =>
    (await call('post', '', owner.adminToken, { name: `key ${randomBytes(3).toString('hex')}`, role: 'admin', scopes: ['admin'], ...body }).expect(201))
      .body as {
      id: string;
      key: string;
      [field: string]: unknown;
    };
  const withKey = (method: Method, path: string, key: string, body?: object) => {
    const req = request(api.url)[method](`/api/v1${path}`).set('x-api-key', key);
    return body === undefined ? req : req.send(body);
  };

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    other = await createTenant(api);
    opsAgent = await createUser(api, tenant, 'ops_agent');
    auditor = await createUser(api, tenant, 'auditor');
    requester = await createUser(api, tenant, 'requester');
    adminId = await adminIdOf(api, tenant);
    foreignKeyId = (await newKey({ name: 'foreign' }, other)).id;
  });
  afterAll(() => api.close());

  describe('without a credential or the permission', () => {
    let keyId: string;
    beforeAll(async () => {
      keyId = (await newKey()).id;
    });
    const routes = (): Array<[Method, string, object | undefined]> => [
      ['post', '', { name: 'x', role: 'admin', scopes: ['admin'] }],
      ['get', '', undefined],
      ['get', `/${keyId}`, undefined],
      ['delete', `/${keyId}`, undefined],
    ];

    it('answers 401 problem+json on every route without a credential, with a bad token or a malformed key', async () => {
      for (const [method, path, body] of routes()) {
        expectProblem(await call(method, path, undefined, body), 401, 'unauthenticated');
        expectProblem(await call(method, path, 'not-a-jwt', body), 401, 'unauthenticated');
        expectProblem(await withKey(method, `/admin/api-keys${path}`, 'not-a-key', body), 401, 'unauthenticated');
      }
    });

    it('answers 403 to a requester and an ops_agent on every route', async () => {
      for (const user of [requester, opsAgent]) {
        for (const [method, path, body] of routes()) expectProblem(await call(method, path, user.token, body), 403, 'forbidden');
      }
    });

    it('lets an auditor read keys (without secrets) but not create or revoke them', async () => {
      const list = await call('get', '', auditor.token).expect(200);
      expect(secretsIn(list.body, SECRET_KEYS)).toEqual([]);
      await call('get', `/${keyId}`, auditor.token).expect(200);
      for (const [method, path, body] of routes().filter(([m]) => m !== 'get')) expectProblem(await call(method, path, auditor.token, body), 403, 'forbidden');
      expect((await call('get', `/${keyId}`, tenant.adminToken).expect(200)).body.revoked_at).toBeNull();
    });
  });

  describe('POST /admin/api-keys', () => {
    it('creates a key and shows it once: only the creation response carries `key`, never its hash', async () => {
      const expires = new Date(Date.now() + 86_400_000).toISOString();
      const response = await call('post', '', tenant.adminToken, {
        name: 'CRM integration',
        role: 'hq_support',
        scopes: ['tickets:read', 'tickets:write', 'tickets:read'],
        rate_limit: 500,
        expires_at: expires,
      }).expect(201);
      expect(response.body).toEqual({
        id: UUID,
        tenant_id: tenant.id,
        name: 'CRM integration',
        key: expect.stringMatching(KEY),
        key_prefix: expect.stringMatching(/^hd_[A-Za-z0-9]{8}$/),
        role: 'hq_support',
        scopes: ['tickets:read', 'tickets:write'],
        rate_limit: 500,
        expires_at: expires,
        revoked_at: null,
        last_used_at: null,
        created_by: adminId,
        created_at: ISO,
      });
      expect(response.body.key.startsWith(`${response.body.key_prefix}_`)).toBe(true);
      expect(Object.keys(response.body)).not.toContain('key_hash');

      // At rest: a SHA-256 of the key, never the key.
      const [row] = await dataSourceOf(api).query('SELECT key_hash FROM api_keys WHERE id = $1', [response.body.id]);
      expect(row.key_hash).toBe(createHash('sha256').update(response.body.key).digest('hex'));

      const one = await call('get', `/${response.body.id}`, tenant.adminToken).expect(200);
      const { key, ...withoutKey } = response.body;
      expect(one.body).toEqual(withoutKey);
      expect(secretsIn(one.body, SECRET_KEYS)).toEqual([]);
      const list = await call('get', '?limit=200', tenant.adminToken).expect(200);
      expect(secretsIn(list.body, SECRET_KEYS)).toEqual([]);
      expect(JSON.stringify(list.body)).not.toContain(key);
      expect(list.body.data.find((k: { id: string }) => k.id === response.body.id)).toEqual(withoutKey);
    });

    it('answers 422 for unknown fields, wrong types, unknown role or scope, and an expiry in the past', async () => {
      const cases: Array<[object, string[]]> = [
        [{ name: 'k', role: 'admin', scopes: ['admin'], key: 'hd_mine' }, ['key']],
        [{ name: 'k', role: 'admin', scopes: ['admin'], key_hash: 'x' }, ['key_hash']],
        [{ name: '', role: 'admin', scopes: ['admin'] }, ['name']],
        [{ name: 'k', role: 'Admin!', scopes: ['admin'] }, ['role']],
        [{ name: 'k', role: 'no_such_role', scopes: ['admin'] }, ['role']],
        [{ name: 'k', role: 'admin', scopes: [] }, ['scopes']],
        [{ name: 'k', role: 'admin', scopes: 'admin' }, ['scopes']],
        [{ name: 'k', role: 'admin', scopes: ['root'] }, ['scopes']],
        [{ name: 'k', role: 'admin', scopes: ['admin'], rate_limit: 0 }, ['rate_limit']],
        [{ name: 'k', role: 'admin', scopes: ['admin'], rate_limit: 'many' }, ['rate_limit']],
        [{ name: 'k', role: 'admin', scopes: ['admin'], expires_at: 'tomorrow' }, ['expires_at']],
        [{ name: 'k', role: 'admin', scopes: ['admin'], expires_at: new Date(Date.now() - 60_000).toISOString() }, ['expires_at']],
        [{}, ['name', 'role', 'scopes']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('post', '', tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
    });
  });

  describe('authenticating with x-api-key', () => {
    it('authenticates as the key’s role in the key’s tenant, and records last_used_at', async () => {
      const created = await newKey();
      const users = await withKey('get', '/admin/users?limit=200', created.key).expect(200);
      expect(users.body.data.map((u: { id: string }) => u.id)).toContain(adminId);
      expect(users.body.data.every((u: { tenant_id: string }) => u.tenant_id === tenant.id)).toBe(true);
      const after = await call('get', `/${created.id}`, tenant.adminToken).expect(200);
      expect(after.body.last_used_at).toEqual(ISO);
      expect(new Date(after.body.last_used_at).getTime()).toBeGreaterThanOrEqual(new Date(created.created_at as string).getTime());
      // A key with the admin scope may manage keys too, within its own scopes (credential-power.e2e-spec.ts); a key makes no user its creator.
      const child = await withKey('post', '/admin/api-keys', created.key, { name: 'child', role: 'auditor', scopes: ['admin'] }).expect(201);
      expect(child.body).toMatchObject({ created_by: null, key: expect.stringMatching(KEY), tenant_id: tenant.id });
    });

    it('lets scopes narrow the role, never widen it', async () => {
      // admin role, tickets only: no admin route.
      const ticketsOnly = await newKey({ role: 'admin', scopes: ['tickets:read'] });
      for (const path of ['/admin/users', '/admin/teams', '/admin/roles', '/admin/sla-policies', '/admin/api-keys']) {
        expectProblem(await withKey('get', path, ticketsOnly.key), 403, 'forbidden');
      }
      expectProblem(await withKey('post', '/admin/teams', ticketsOnly.key, { name: 'Not allowed' }), 403, 'forbidden');

      // ops_agent role with the admin scope: still only what an ops_agent may do.
      const agentKey = await newKey({ role: 'ops_agent', scopes: ['admin'] });
      await withKey('get', '/admin/users', agentKey.key).expect(200);
      await withKey('get', '/admin/teams', agentKey.key).expect(200);
      expectProblem(await withKey('post', '/admin/users', agentKey.key, { email: `x@${tenant.slug}.test`, name: 'X', role: 'admin' }), 403, 'forbidden');
      expectProblem(await withKey('post', '/admin/teams', agentKey.key, { name: 'Not allowed either' }), 403, 'forbidden');
      expectProblem(await withKey('get', '/admin/roles', agentKey.key), 403, 'forbidden');
      expectProblem(await withKey('get', '/admin/api-keys', agentKey.key), 403, 'forbidden');
      expectProblem(await withKey('post', '/admin/api-keys', agentKey.key, { name: 'escalate me', role: 'admin', scopes: ['admin'] }), 403, 'forbidden');

      // The same admin role with the admin scope may.
      const adminKey = await newKey({ role: 'admin', scopes: ['admin'] });
      await withKey('post', '/admin/teams', adminKey.key, { name: `Allowed ${randomBytes(3).toString('hex')}` }).expect(201);
    });

    it('refuses a malformed, unknown or altered key with 401', async () => {
      const created = await newKey();
      const last = created.key.at(-1) === 'A' ? 'B' : 'A';
      for (const key of [
        'garbage',
        `hd_${'a'.repeat(8)}_${'b'.repeat(43)}`,
        `${created.key.slice(0, -1)}${last}`,
        created.key.slice(0, -1),
        `${created.key}x`,
      ]) {
        const response = await withKey('get', '/admin/teams', key);
        expectProblem(response, 401, 'unauthenticated');
      }
      await withKey('get', '/admin/teams', created.key).expect(200);
    });

    it('refuses an expired key with 401', async () => {
      const created = await newKey({ expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      await withKey('get', '/admin/teams', created.key).expect(200);
      await dataSourceOf(api).query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.id]);
      const response = await withKey('get', '/admin/teams', created.key);
      expectProblem(response, 401, 'unauthenticated');
      expect(response.body.detail).toMatch(/expired/);
    });

    it('keeps a key inside its tenant: another tenant’s records are not found', async () => {
      const created = await newKey();
      const stranger = await createUser(api, other, 'ops_agent');
      const foreignTeam = (
        await request(api.url)
          .post('/api/v1/admin/teams')
          .set(...bearer(other.adminToken))
          .send({ name: 'Foreign' })
          .expect(201)
      ).body.id;
      expectProblem(await withKey('get', `/admin/users/${stranger.id}`, created.key), 404, 'not_found');
      expectProblem(await withKey('patch', `/admin/users/${stranger.id}`, created.key, { name: 'Hijacked' }), 404, 'not_found');
      expectProblem(await withKey('delete', `/admin/users/${stranger.id}`, created.key), 404, 'not_found');
      expectProblem(await withKey('get', `/admin/teams/${foreignTeam}`, created.key), 404, 'not_found');
      expectProblem(await withKey('get', `/admin/api-keys/${foreignKeyId}`, created.key), 404, 'not_found');
      expectProblem(await withKey('delete', `/admin/api-keys/${foreignKeyId}`, created.key), 404, 'not_found');
      const list = await withKey('get', '/admin/users?limit=200', created.key).expect(200);
      expect(list.body.data.map((u: { id: string }) => u.id)).not.toContain(stranger.id);
      // The stranger is untouched and the foreign key still works for its own tenant.
      expect(
        (
          await request(api.url)
            .get(`/api/v1/admin/users/${stranger.id}`)
            .set(...bearer(other.adminToken))
            .expect(200)
        ).body,
      ).toMatchObject({ name: 'Test ops_agent', active: true });
      expect(
        (
          await request(api.url)
            .get(`/api/v1/admin/api-keys/${foreignKeyId}`)
            .set(...bearer(other.adminToken))
            .expect(200)
        ).body.revoked_at,
      ).toBeNull();
    });
  });

  describe('GET /admin/api-keys and /admin/api-keys/:id', () => {
    it('lists the tenant’s keys only, by keyset pages', async () => {
      const fresh = await createTenant(api);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await newKey({ name: `k${i}` }, fresh)).id);
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await request(api.url)
          .get(`/api/v1/admin/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(...bearer(fresh.adminToken))
          .expect(200);
        expect(secretsIn(page.body, SECRET_KEYS)).toEqual([]);
        sizes.push(page.body.data.length);
        seen.push(...page.body.data.map((k: { id: string }) => k.id));
        cursor = page.body.next_cursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 1]);
      expect(seen).toEqual(ids);
      expect(seen).not.toContain(foreignKeyId);
    });

    it('answers 422 for bad list queries', async () => {
      for (const [query, field] of [
        ['?limit=0', 'limit'],
        ['?cursor=abc', 'cursor'],
        ['?role=admin', 'role'],
      ]) {
        const response = await call('get', query, tenant.adminToken);
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual([field]);
      }
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s key', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignKeyId]) expectProblem(await call('get', `/${id}`, tenant.adminToken), 404, 'not_found');
    });
  });

  describe('DELETE /admin/api-keys/:id (revoke)', () => {
    it('revokes: 204, the key shows revoked_at, stops working at once, and revoking again keeps the first time', async () => {
      const created = await newKey();
      await withKey('get', '/admin/teams', created.key).expect(200);
      expect((await call('delete', `/${created.id}`, tenant.adminToken).expect(204)).text).toBe('');
      const revoked = await call('get', `/${created.id}`, tenant.adminToken).expect(200);
      expect(revoked.body).toMatchObject({ id: created.id, revoked_at: ISO, name: created.name });
      expect(secretsIn(revoked.body, SECRET_KEYS)).toEqual([]);
      const refused = await withKey('get', '/admin/teams', created.key);
      expectProblem(refused, 401, 'unauthenticated');
      expect(refused.body.detail).toMatch(/revoked/);
      await call('delete', `/${created.id}`, tenant.adminToken).expect(204);
      expect((await call('get', `/${created.id}`, tenant.adminToken).expect(200)).body.revoked_at).toBe(revoked.body.revoked_at);
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s key, which keeps working', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignKeyId]) expectProblem(await call('delete', `/${id}`, tenant.adminToken), 404, 'not_found');
      expect(
        (
          await request(api.url)
            .get(`/api/v1/admin/api-keys/${foreignKeyId}`)
            .set(...bearer(other.adminToken))
            .expect(200)
        ).body.revoked_at,
      ).toBeNull();
    });
  });

  it('documents every API key route in the OpenAPI document', async () => {
    const doc = (await request(api.url).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/v1/admin/api-keys']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/admin/api-keys/{id}']).sort()).toEqual(['delete', 'get']);
    expect(doc.components.securitySchemes['api-key']).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });
});
