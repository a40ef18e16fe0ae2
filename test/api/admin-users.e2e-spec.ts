import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
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
  TEST_PASSWORD,
  TestTenant,
  TestUser,
  UUID,
} from '@helpdesk/testing';

/** Property names that must never leave the api, in any response (see `secretsIn`). */
const SECRET_KEYS = ['password', 'password_hash', 'key_hash'];

describe('admin API: users', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let opsAgent: TestUser;
  let requester: TestUser;
  let stranger: TestUser;
  let teamId: string;
  let adminId: string;

  const call = routeCaller(() => api, '/api/v1/admin/users');
  const email = (label = 'user') => `${label}-${randomBytes(4).toString('hex')}@${tenant.slug}.test`;
  const newUser = (overrides: object = {}) =>
    call('post', '', tenant.adminToken, { email: email(), name: 'Someone', role: 'ops_agent', password: TEST_PASSWORD, ...overrides }).expect(201);
  const login = (userEmail: string, password = TEST_PASSWORD) => request(api.url).post('/api/v1/auth/login').send({ email: userEmail, password });

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    other = await createTenant(api);
    opsAgent = await createUser(api, tenant, 'ops_agent');
    requester = await createUser(api, tenant, 'requester');
    stranger = await createUser(api, other, 'ops_agent');
    teamId = (
      await request(api.url)
        .post('/api/v1/admin/teams')
        .set(...bearer(tenant.adminToken))
        .send({ name: 'Users test team' })
        .expect(201)
    ).body.id;
    const admins = await call('get', '?role=admin', tenant.adminToken).expect(200);
    adminId = admins.body.data.find((u: { email: string }) => u.email === tenant.adminEmail).id;
  });
  afterAll(() => api.close());

  describe('without a credential or the permission', () => {
    const routes = (): Array<[Method, string, object | undefined]> => [
      ['post', '', { email: email(), name: 'X', role: 'ops_agent' }],
      ['get', '', undefined],
      ['get', `/${opsAgent.id}`, undefined],
      ['patch', `/${opsAgent.id}`, { name: 'X' }],
      ['delete', `/${opsAgent.id}`, undefined],
    ];

    it('answers 401 problem+json on every route without a credential or with a bad token', async () => {
      for (const [method, path, body] of routes()) {
        expectProblem(await call(method, path, undefined, body), 401, 'unauthenticated');
        expectProblem(await call(method, path, 'not-a-jwt', body), 401, 'unauthenticated');
      }
    });

    it('answers 403 to a requester on every route', async () => {
      for (const [method, path, body] of routes()) expectProblem(await call(method, path, requester.token, body), 403, 'forbidden');
    });

    it('lets an ops_agent read users (the seeded directory rule) but not create, change or deactivate them', async () => {
      await call('get', '', opsAgent.token).expect(200);
      await call('get', `/${adminId}`, opsAgent.token).expect(200);
      for (const [method, path, body] of routes().filter(([m]) => m !== 'get')) expectProblem(await call(method, path, opsAgent.token, body), 403, 'forbidden');
      // Nothing changed behind the 403s.
      const still = await call('get', `/${opsAgent.id}`, tenant.adminToken).expect(200);
      expect(still.body).toMatchObject({ active: true, name: 'Test ops_agent' });
    });
  });

  describe('POST /admin/users', () => {
    it('creates a user and answers with it, email lowercased, without any password or hash', async () => {
      const address = email('Mixed.Case').replace('mixed.case', 'Mixed.Case');
      const response = await call('post', '', tenant.adminToken, {
        email: address,
        name: 'Full Person',
        role: 'ops_agent',
        password: TEST_PASSWORD,
        team_ids: [teamId],
        franchise_id: 'fr-9',
        region: 'north',
        phone: '+15551234567',
        push_tokens: ['push-token-1'],
        rate_limit: 77,
      }).expect(201);
      expect(response.body).toMatchObject({
        id: UUID,
        email: address.toLowerCase(),
        name: 'Full Person',
        role: 'ops_agent',
        team_ids: [teamId],
        franchise_id: 'fr-9',
        region: 'north',
        phone: '+15551234567',
        push_tokens: ['push-token-1'],
        rate_limit: 77,
        active: true,
        created_at: ISO,
      });
      expect(secretsIn(response.body, SECRET_KEYS)).toEqual([]);
      const [row] = await dataSourceOf(api).query('SELECT tenant_id, password_hash FROM users WHERE id = $1', [response.body.id]);
      expect(row.tenant_id).toBe(tenant.id);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      await login(address.toUpperCase()).expect(200);
    });

    it('defaults the optional attributes, and a user created without a password cannot log in', async () => {
      const address = email('nopass');
      const response = await call('post', '', tenant.adminToken, { email: address, name: 'No Password', role: 'requester' }).expect(201);
      expect(response.body).toMatchObject({ team_ids: [], franchise_id: null, region: null, phone: null, push_tokens: [], rate_limit: null, active: true });
      expect(secretsIn(response.body, SECRET_KEYS)).toEqual([]);
      await login(address).expect(401);
    });

    it('answers 409 for an email the tenant already has, whatever its case', async () => {
      const address = email('dup');
      await newUser({ email: address });
      expectProblem(await call('post', '', tenant.adminToken, { email: address.toUpperCase(), name: 'Again', role: 'ops_agent' }), 409, 'conflict');
      // The same address in another tenant is a different user.
      await call('post', '', other.adminToken, { email: address, name: 'Elsewhere', role: 'ops_agent' }).expect(201);
    });

    it('answers 422 with field errors for unknown fields, wrong types and bad values', async () => {
      const cases: Array<[object, string[]]> = [
        [{ email: email(), name: 'X', role: 'ops_agent', is_admin: true }, ['is_admin']],
        [{ email: 'not-an-email', name: 7, role: 'Ops Agent', password: 'short' }, ['email', 'name', 'password', 'role']],
        [{ email: email(), name: 'X', role: 'ops_agent', team_ids: 'x' }, ['team_ids']],
        [{ email: email(), name: 'X', role: 'ops_agent', team_ids: ['not-a-uuid'] }, ['team_ids']],
        [{ email: email(), name: 'X', role: 'ops_agent', phone: '555-1234', rate_limit: 0, push_tokens: [1] }, ['phone', 'push_tokens', 'rate_limit']],
        [{ email: email(), name: '', role: 'ops_agent' }, ['name']],
        [{}, ['email', 'name', 'role']],
        // Checked by the use case against the tenant's data.
        [{ email: email(), name: 'X', role: 'no_such_role' }, ['role']],
        [{ email: email(), name: 'X', role: 'ops_agent', team_ids: [randomUUID()] }, ['team_ids']],
        // null is not "absent" for attributes that cannot be empty.
        [{ email: email(), name: 'X', role: 'ops_agent', team_ids: null, push_tokens: null }, ['push_tokens', 'team_ids']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('post', '', tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
    });

    it('does not accept a team of another tenant', async () => {
      const foreignTeam = (
        await request(api.url)
          .post('/api/v1/admin/teams')
          .set(...bearer(other.adminToken))
          .send({ name: 'Foreign' })
          .expect(201)
      ).body.id;
      const response = await call('post', '', tenant.adminToken, { email: email(), name: 'X', role: 'ops_agent', team_ids: [foreignTeam] });
      expectProblem(response, 422, 'validation_failed');
      expect(fieldsOf(response)).toEqual(['team_ids']);
    });
  });

  describe('GET /admin/users', () => {
    it('lists the tenant’s users only, without secrets', async () => {
      const response = await call('get', '?limit=200', tenant.adminToken).expect(200);
      expect(response.body).toEqual({ data: expect.any(Array), next_cursor: null });
      const ids = response.body.data.map((u: { id: string }) => u.id);
      expect(ids).toEqual(expect.arrayContaining([adminId, opsAgent.id, requester.id]));
      expect(ids).not.toContain(stranger.id);
      expect(secretsIn(response.body, SECRET_KEYS)).toEqual([]);
      expect(response.body.data.every((u: { tenant_id: string }) => u.tenant_id === tenant.id)).toBe(true);
    });

    it('filters by role, team and active', async () => {
      const member = (await newUser({ role: 'franchise_agent', team_ids: [teamId] })).body;
      const gone = (await newUser({ role: 'franchise_agent' })).body;
      await call('delete', `/${gone.id}`, tenant.adminToken).expect(204);

      const byRole = (await call('get', '?role=franchise_agent&limit=200', tenant.adminToken).expect(200)).body.data;
      expect(byRole.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([member.id, gone.id]));
      expect(byRole.every((u: { role: string }) => u.role === 'franchise_agent')).toBe(true);

      const byTeam = (await call('get', `?team_id=${teamId}&limit=200`, tenant.adminToken).expect(200)).body.data;
      expect(byTeam.map((u: { id: string }) => u.id)).toContain(member.id);
      expect(byTeam.every((u: { team_ids: string[] }) => u.team_ids.includes(teamId))).toBe(true);

      const inactive = (await call('get', '?active=false&role=franchise_agent', tenant.adminToken).expect(200)).body.data;
      expect(inactive.map((u: { id: string }) => u.id)).toEqual([gone.id]);
      const active = (await call('get', '?active=true&role=franchise_agent', tenant.adminToken).expect(200)).body.data;
      expect(active.map((u: { id: string }) => u.id)).toEqual([member.id]);
    });

    it('answers 422 for bad queries: unknown parameter, bad limit, bad cursor, bad filters', async () => {
      const cases: Array<[string, string[]]> = [
        ['?sort=email', ['sort']],
        ['?limit=0', ['limit']],
        ['?limit=201', ['limit']],
        ['?limit=abc', ['limit']],
        ['?limit=2.5', ['limit']],
        ['?cursor=not-a-cursor', ['cursor']],
        [`?cursor=${Buffer.from(JSON.stringify({ id: 'nope' })).toString('base64url')}`, ['cursor']],
        ['?role=Not A Role', ['role']],
        ['?team_id=123', ['team_id']],
        ['?active=maybe', ['active']],
      ];
      for (const [query, fields] of cases) {
        const response = await call('get', query, tenant.adminToken);
        expectProblem(response, 422, 'validation_failed');
        expect({ query, fields: fieldsOf(response) }).toEqual({ query, fields });
      }
    });

    it('pages by keyset: pages of `limit`, no duplicates or gaps, the last page with next_cursor null', async () => {
      const fresh = await createTenant(api);
      const created: string[] = [];
      for (let i = 0; i < 7; i++) {
        const response = await request(api.url)
          .post('/api/v1/admin/users')
          .set(...bearer(fresh.adminToken))
          .send({ email: `p${i}@${fresh.slug}.test`, name: `Page ${i}`, role: 'requester' })
          .expect(201);
        created.push(response.body.id);
      }
      const all = (
        await request(api.url)
          .get('/api/v1/admin/users?limit=200')
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body.data.map((u: { id: string }) => u.id);
      expect(all).toHaveLength(8); // the admin and the seven
      expect(all.slice(1)).toEqual(created); // oldest first

      for (const limit of [3, 4, 8, 1]) {
        const seen: string[] = [];
        const sizes: number[] = [];
        let cursor: string | null = null;
        do {
          const query: string = `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
          const page: request.Response = await request(api.url)
            .get(`/api/v1/admin/users${query}`)
            .set(...bearer(fresh.adminToken))
            .expect(200);
          sizes.push(page.body.data.length);
          seen.push(...page.body.data.map((u: { id: string }) => u.id));
          cursor = page.body.next_cursor;
          if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        } while (cursor);
        expect({ limit, seen }).toEqual({ limit, seen: all });
        const full = Math.floor(8 / limit);
        expect({ limit, sizes }).toEqual({ limit, sizes: [...Array(full).fill(limit), ...(8 % limit ? [8 % limit] : [])] });
      }
    });

    it('applies the filter across pages too', async () => {
      const fresh = await createTenant(api);
      const agents: string[] = [];
      for (let i = 0; i < 5; i++) {
        const role = i % 2 ? 'requester' : 'ops_agent';
        const response = await request(api.url)
          .post('/api/v1/admin/users')
          .set(...bearer(fresh.adminToken))
          .send({ email: `f${i}@${fresh.slug}.test`, name: `F${i}`, role })
          .expect(201);
        if (role === 'ops_agent') agents.push(response.body.id);
      }
      const first = (
        await request(api.url)
          .get('/api/v1/admin/users?role=ops_agent&limit=2')
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body;
      expect(first.next_cursor).toEqual(expect.any(String));
      const second = (
        await request(api.url)
          .get(`/api/v1/admin/users?role=ops_agent&limit=2&cursor=${first.next_cursor}`)
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body;
      expect(second.next_cursor).toBeNull();
      expect([...first.data, ...second.data].map((u: { id: string }) => u.id)).toEqual(agents);
    });
  });

  describe('GET /admin/users/:id', () => {
    it('answers with the user, without secrets', async () => {
      const response = await call('get', `/${opsAgent.id}`, tenant.adminToken).expect(200);
      expect(response.body).toMatchObject({ id: opsAgent.id, email: opsAgent.email, role: 'ops_agent', active: true, tenant_id: tenant.id });
      expect(secretsIn(response.body, SECRET_KEYS)).toEqual([]);
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s user', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', '123', stranger.id]) expectProblem(await call('get', `/${id}`, tenant.adminToken), 404, 'not_found');
    });
  });

  describe('PATCH /admin/users/:id', () => {
    it('clears the nullable attributes with null', async () => {
      const user = (await newUser({ region: 'east', franchise_id: 'fr-1', phone: '+15550001111', rate_limit: 5 })).body;
      const response = await call('patch', `/${user.id}`, tenant.adminToken, { region: null, franchise_id: null, phone: null, rate_limit: null }).expect(200);
      expect(response.body).toMatchObject({ region: null, franchise_id: null, phone: null, rate_limit: null, name: user.name, role: user.role });
    });

    it('changes the given fields only, and answers with the user', async () => {
      const user = (await newUser({ region: 'east', franchise_id: 'fr-1' })).body;
      const response = await call('patch', `/${user.id}`, tenant.adminToken, { name: 'Renamed', role: 'ops_manager', team_ids: [teamId], region: null }).expect(
        200,
      );
      expect(response.body).toMatchObject({
        id: user.id,
        email: user.email,
        name: 'Renamed',
        role: 'ops_manager',
        team_ids: [teamId],
        region: null,
        franchise_id: 'fr-1',
        active: true,
      });
      expect(new Date(response.body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(user.updated_at).getTime());
      expect(secretsIn(response.body, SECRET_KEYS)).toEqual([]);
      const reloaded = await call('get', `/${user.id}`, tenant.adminToken).expect(200);
      expect(reloaded.body).toMatchObject({ name: 'Renamed', role: 'ops_manager', team_ids: [teamId], region: null });
    });

    it('sets a new password: the new one logs in, the old one does not, and refresh tokens die', async () => {
      const user = await createUser(api, tenant, 'ops_agent');
      const pair = (await login(user.email).expect(200)).body;
      const response = await call('patch', `/${user.id}`, tenant.adminToken, { password: 'a-brand-new-password-1' }).expect(200);
      expect(secretsIn(response.body, SECRET_KEYS)).toEqual([]);
      await login(user.email).expect(401);
      await login(user.email, 'a-brand-new-password-1').expect(200);
      await request(api.url).post('/api/v1/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(401);
    });

    it('reactivates a deactivated user', async () => {
      const user = (await newUser()).body;
      await call('delete', `/${user.id}`, tenant.adminToken).expect(204);
      await login(user.email).expect(401);
      const response = await call('patch', `/${user.id}`, tenant.adminToken, { active: true }).expect(200);
      expect(response.body.active).toBe(true);
      await login(user.email).expect(200);
    });

    it('answers 409 for an email another user of the tenant has', async () => {
      const user = (await newUser()).body;
      expectProblem(await call('patch', `/${user.id}`, tenant.adminToken, { email: opsAgent.email.toUpperCase() }), 409, 'conflict');
      expect((await call('get', `/${user.id}`, tenant.adminToken).expect(200)).body.email).toBe(user.email);
    });

    it('answers 409 when the admin would deactivate themselves or give up their own admin role', async () => {
      expectProblem(await call('patch', `/${adminId}`, tenant.adminToken, { active: false }), 409, 'conflict');
      expectProblem(await call('patch', `/${adminId}`, tenant.adminToken, { role: 'ops_agent' }), 409, 'conflict');
      // Harmless self-edits are fine, and the admin is still an admin.
      const response = await call('patch', `/${adminId}`, tenant.adminToken, { name: 'Still Admin', role: 'admin' }).expect(200);
      expect(response.body).toMatchObject({ role: 'admin', active: true, name: 'Still Admin' });
      await call('get', '', tenant.adminToken).expect(200);
    });

    it('answers 422 for unknown fields, wrong types and unknown references', async () => {
      const cases: Array<[object, string[]]> = [
        [{ tenant_id: other.id }, ['tenant_id']],
        [{ password_hash: 'x' }, ['password_hash']],
        [{ name: 5, active: 'yes' }, ['active', 'name']],
        [{ email: 'nope' }, ['email']],
        [{ role: 'no_such_role' }, ['role']],
        [{ team_ids: [randomUUID()] }, ['team_ids']],
        // null is not "absent" for attributes that cannot be empty.
        [{ name: null }, ['name']],
        [{ email: null }, ['email']],
        [{ role: null }, ['role']],
        [{ team_ids: null, push_tokens: null }, ['push_tokens', 'team_ids']],
        [{ active: null }, ['active']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('patch', `/${opsAgent.id}`, tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
      expect((await call('get', `/${opsAgent.id}`, tenant.adminToken).expect(200)).body).toMatchObject({ role: 'ops_agent', active: true });
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s user, and leaves the stranger untouched', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', stranger.id])
        expectProblem(await call('patch', `/${id}`, tenant.adminToken, { name: 'Hijacked' }), 404, 'not_found');
      const response = await request(api.url)
        .get(`/api/v1/admin/users/${stranger.id}`)
        .set(...bearer(other.adminToken))
        .expect(200);
      expect(response.body.name).toBe('Test ops_agent');
    });
  });

  describe('DELETE /admin/users/:id (deactivate)', () => {
    it('deactivates: the user is kept, inactive, and can neither log in nor use an issued token', async () => {
      const user = await createUser(api, tenant, 'ops_agent');
      const response = await call('delete', `/${user.id}`, tenant.adminToken).expect(204);
      expect(response.text).toBe('');
      const read = await call('get', `/${user.id}`, tenant.adminToken).expect(200);
      expect(read.body).toMatchObject({ id: user.id, email: user.email, active: false });
      expect(secretsIn(read.body, SECRET_KEYS)).toEqual([]);
      await login(user.email).expect(401);
      expectProblem(await call('get', '', user.token), 401, 'unauthenticated');
      // Deactivating again changes nothing.
      await call('delete', `/${user.id}`, tenant.adminToken).expect(204);
      expect((await call('get', `/${user.id}`, tenant.adminToken).expect(200)).body.active).toBe(false);
    });

    it('answers 409 when the admin would deactivate themselves', async () => {
      expectProblem(await call('delete', `/${adminId}`, tenant.adminToken), 409, 'conflict');
      expect((await call('get', `/${adminId}`, tenant.adminToken).expect(200)).body.active).toBe(true);
    });

    it('lets an admin deactivate another admin', async () => {
      const second = await createUser(api, tenant, 'admin');
      await call('delete', `/${second.id}`, tenant.adminToken).expect(204);
      expectProblem(await call('get', '', second.token), 401, 'unauthenticated');
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s user', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', stranger.id]) expectProblem(await call('delete', `/${id}`, tenant.adminToken), 404, 'not_found');
      await request(api.url)
        .get('/api/v1/admin/teams')
        .set(...bearer(stranger.token))
        .expect(200);
    });
  });

  it('documents every users route in the OpenAPI document', async () => {
    const doc = (await request(api.url).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/v1/admin/users']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/admin/users/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
  });
});
