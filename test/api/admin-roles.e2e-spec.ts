import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  createTenant,
  createUser,
  expectProblem,
  fieldsOf,
  ISO,
  Method,
  routeCaller,
  RunningApp,
  startApi,
  TestTenant,
  TestUser,
  UUID,
} from '@helpdesk/testing';

const SEEDED = ['admin', 'hq_support', 'regional_manager', 'ops_manager', 'ops_agent', 'franchise_agent', 'finance', 'ceo_oncall', 'auditor', 'requester'];

describe('admin API: roles', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let opsAgent: TestUser;
  let auditor: TestUser;
  let requester: TestUser;
  let roleIds: Record<string, string>;
  let foreignRoleId: string;

  const call = routeCaller(() => api, '/api/v1/admin/roles');
  const roleName = (prefix = 'custom') => `${prefix}_${randomBytes(4).toString('hex')}`;
  const newRole = async (body: object = {}) =>
    (await call('post', '', tenant.adminToken, { name: roleName(), rules: [{ action: 'read', subject: 'Team' }], ...body }).expect(201)).body;
  const v1 = routeCaller(() => api, '/api/v1');
  const asUser = (method: Method, path: string, user: TestUser, body?: object) => v1(method, path, user.token, body);

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    other = await createTenant(api);
    opsAgent = await createUser(api, tenant, 'ops_agent');
    auditor = await createUser(api, tenant, 'auditor');
    requester = await createUser(api, tenant, 'requester');
    const roles = (await call('get', '?limit=200', tenant.adminToken).expect(200)).body.data as Array<{ id: string; name: string }>;
    roleIds = Object.fromEntries(roles.map((r) => [r.name, r.id]));
    foreignRoleId = (await call('post', '', other.adminToken, { name: 'foreign_role', rules: [] }).expect(201)).body.id;
  });
  afterAll(() => api.close());

  describe('without a credential or the permission', () => {
    const routes = (): Array<[Method, string, object | undefined]> => [
      ['post', '', { name: roleName(), rules: [] }],
      ['get', '', undefined],
      ['get', `/${roleIds.requester}`, undefined],
      ['patch', `/${roleIds.requester}`, { description: 'changed' }],
      ['delete', `/${roleIds.requester}`, undefined],
    ];

    it('answers 401 problem+json on every route without a credential or with a bad token', async () => {
      for (const [method, path, body] of routes()) {
        expectProblem(await call(method, path, undefined, body), 401, 'unauthenticated');
        expectProblem(await call(method, path, 'not-a-jwt', body), 401, 'unauthenticated');
      }
    });

    it('answers 403 to a requester and an ops_agent on every route (roles are not part of the agents’ directory)', async () => {
      for (const user of [requester, opsAgent]) {
        for (const [method, path, body] of routes()) expectProblem(await call(method, path, user.token, body), 403, 'forbidden');
      }
    });

    it('lets an auditor read roles but not change them', async () => {
      await call('get', '', auditor.token).expect(200);
      await call('get', `/${roleIds.requester}`, auditor.token).expect(200);
      for (const [method, path, body] of routes().filter(([m]) => m !== 'get')) expectProblem(await call(method, path, auditor.token, body), 403, 'forbidden');
      expect((await call('get', `/${roleIds.requester}`, tenant.adminToken).expect(200)).body.description).not.toBe('changed');
    });
  });

  describe('GET /admin/roles and /admin/roles/:id', () => {
    it('lists the ten seeded roles of a new tenant, marked as system roles, and pages through them', async () => {
      const fresh = await createTenant(api);
      const all = (
        await request(api.url)
          .get('/api/v1/admin/roles')
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body;
      expect(all.next_cursor).toBeNull();
      expect(all.data.map((r: { name: string }) => r.name).sort()).toEqual([...SEEDED].sort());
      for (const role of all.data) {
        expect(role).toEqual({
          id: UUID,
          tenant_id: fresh.id,
          name: expect.any(String),
          description: expect.any(String),
          rules: expect.any(Array),
          is_system: true,
          created_at: ISO,
          updated_at: ISO,
        });
        expect(role.rules.length).toBeGreaterThan(0);
      }

      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await request(api.url)
          .get(`/api/v1/admin/roles?limit=4${cursor ? `&cursor=${cursor}` : ''}`)
          .set(...bearer(fresh.adminToken))
          .expect(200);
        sizes.push(page.body.data.length);
        seen.push(...page.body.data.map((r: { id: string }) => r.id));
        cursor = page.body.next_cursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([4, 4, 2]);
      expect(seen).toEqual(all.data.map((r: { id: string }) => r.id));
    });

    it('does not list another tenant’s roles', async () => {
      const ids = (await call('get', '?limit=200', tenant.adminToken).expect(200)).body.data.map((r: { id: string }) => r.id);
      expect(ids).not.toContain(foreignRoleId);
    });

    it('answers with one role; the admin role manages everything', async () => {
      const response = await call('get', `/${roleIds.admin}`, tenant.adminToken).expect(200);
      expect(response.body).toMatchObject({ id: roleIds.admin, name: 'admin', is_system: true, rules: [{ action: 'manage', subject: 'all' }] });
    });

    it('answers 422 for bad list queries', async () => {
      for (const [query, field] of [
        ['?limit=-1', 'limit'],
        ['?cursor=bogus', 'cursor'],
        ['?q=admin', 'q'],
      ]) {
        const response = await call('get', query, tenant.adminToken);
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual([field]);
      }
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s role', async () => {
      for (const id of [randomUUID(), 'admin', 'not-a-uuid', foreignRoleId]) expectProblem(await call('get', `/${id}`, tenant.adminToken), 404, 'not_found');
    });
  });

  describe('POST /admin/roles', () => {
    it('creates a custom role and answers with it', async () => {
      const name = roleName('night_shift');
      const rules = [
        { action: ['read', 'update'], subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' } } },
        { action: 'transition', subject: 'Ticket', fields: ['resolved'], conditions: { linked_type: 'payment' }, inverted: true, reason: 'finance only' },
      ];
      const response = await call('post', '', tenant.adminToken, { name, description: 'Nights', rules }).expect(201);
      expect(response.body).toEqual({ id: UUID, tenant_id: tenant.id, name, description: 'Nights', rules, is_system: false, created_at: ISO, updated_at: ISO });
      expect((await call('get', `/${response.body.id}`, tenant.adminToken).expect(200)).body).toEqual(response.body);
    });

    it('answers 409 for a name the tenant already has (a seeded one too); another tenant may use it', async () => {
      const role = await newRole();
      expectProblem(await call('post', '', tenant.adminToken, { name: role.name, rules: [] }), 409, 'conflict');
      expectProblem(await call('post', '', tenant.adminToken, { name: 'admin', rules: [] }), 409, 'conflict');
      await call('post', '', other.adminToken, { name: role.name, rules: [] }).expect(201);
    });

    it('lets exactly one of several concurrent creations of the same name win; the others get 409', async () => {
      const name = roleName('race');
      const responses = await Promise.all(Array.from({ length: 5 }, () => call('post', '', tenant.adminToken, { name, rules: [] })));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it('answers 422 for bad bodies: unknown field, bad name, missing or malformed rules', async () => {
      const cases: Array<[object, string[]]> = [
        [{ name: roleName(), rules: [], is_system: true }, ['is_system']],
        [{ name: 'Night Shift', rules: [] }, ['name']],
        [{ name: 'x', rules: [] }, ['name']],
        [{ name: roleName() }, ['rules']],
        [{ name: roleName(), rules: { action: 'read', subject: 'Team' } }, ['rules']],
        [{ name: roleName(), rules: ['read Team'] }, ['rules']],
        [{ name: roleName(), rules: [], description: 42 }, ['description']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('post', '', tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
    });

    it('answers 422 for invalid rules, naming the rule and its part', async () => {
      const cases: Array<[object[], string[]]> = [
        [[{ action: 'read', subject: 'Ticket', conditions: { nope: 1 } }], ['rules[0].conditions']],
        [[{ action: 'read', subject: 'Ticket', conditions: { team_id: '${user.nope}' } }], ['rules[0].conditions']],
        [[{ action: 'read', subject: 'Ticket', conditions: { team_id: { $where: 'true' } } }], ['rules[0].conditions']],
        [
          [
            { action: 'read', subject: 'Team' },
            { action: 'fly', subject: 'Ticket' },
          ],
          ['rules[1].action'],
        ],
        [[{ action: 'read', subject: 'Spaceship' }], ['rules[0].subject']],
        [[{ action: 'read', subject: 'all', conditions: { id: 'x' } }], ['rules[0].conditions']],
        [[{ action: 'read', subject: 'Ticket', conditions: 'team_id = 1' }], ['rules[0].conditions']],
        [[{ action: 'read', subject: 'Ticket', fields: [] }], ['rules[0].fields']],
        [[{ action: 'read', subject: 'Ticket', inverted: 'yes' }], ['rules[0].inverted']],
        [[{ subject: 'Ticket' }], ['rules[0].action']],
        // A misspelt property would be ignored by CASL and grant the rule without its conditions.
        [[{ action: 'read', subject: 'Ticket', condition: { team_id: { $in: '${user.team_ids}' } } }], ['rules[0].condition']],
      ];
      for (const [rules, fields] of cases) {
        const response = await call('post', '', tenant.adminToken, { name: roleName('bad'), rules });
        expectProblem(response, 422, 'validation_failed');
        expect({ rules, fields: fieldsOf(response) }).toEqual({ rules, fields });
      }
      // None of them was stored.
      const names = (await call('get', '?limit=200', tenant.adminToken).expect(200)).body.data.map((r: { name: string }) => r.name);
      expect(names.filter((n: string) => n.startsWith('bad_'))).toEqual([]);
    });
  });

  describe('a custom role takes effect on its holders', () => {
    it('grants what its rules say, and an edit of the rules applies at once', async () => {
      const role = await newRole({ name: roleName('team_reader'), rules: [{ action: 'read', subject: 'Team' }] });
      const holder = await createUser(api, tenant, role.name);
      await asUser('get', '/admin/teams', holder).expect(200);
      expectProblem(await asUser('post', '/admin/teams', holder, { name: `By holder ${role.name}` }), 403, 'forbidden');
      expectProblem(await asUser('get', '/admin/users', holder), 403, 'forbidden');
      expectProblem(await asUser('get', '/admin/roles', holder), 403, 'forbidden');

      const patched = await call('patch', `/${role.id}`, tenant.adminToken, {
        rules: [
          { action: 'read', subject: 'Team' },
          { action: 'create', subject: 'Team' },
        ],
      }).expect(200);
      expect(patched.body).toMatchObject({
        id: role.id,
        name: role.name,
        is_system: false,
        rules: [
          { action: 'read', subject: 'Team' },
          { action: 'create', subject: 'Team' },
        ],
      });
      const created = await asUser('post', '/admin/teams', holder, { name: `By holder ${role.name}` }).expect(201);
      expect(created.body.tenant_id).toBe(tenant.id);
      expectProblem(await asUser('delete', `/admin/teams/${created.body.id}`, holder), 403, 'forbidden');

      // Taking the permission away works the same way.
      await call('patch', `/${role.id}`, tenant.adminToken, { rules: [] }).expect(200);
      expectProblem(await asUser('get', '/admin/teams', holder), 403, 'forbidden');
    });

    it('enforces the conditions of a rule on User: a holder sees only the users its conditions match', async () => {
      const role = await newRole({ name: roleName('regional_hr'), rules: [{ action: 'read', subject: 'User', conditions: { region: '${user.region}' } }] });
      const holder = await createUser(api, tenant, role.name, { region: 'north' });
      const northern = await createUser(api, tenant, 'requester', { region: 'north' });
      const southern = await createUser(api, tenant, 'requester', { region: 'south' });

      const list = (await asUser('get', '/admin/users?limit=200', holder).expect(200)).body.data as Array<{ id: string; region: string | null }>;
      expect(list.map((u) => u.id)).toEqual(expect.arrayContaining([holder.id, northern.id]));
      expect(list.filter((u) => u.region !== 'north').map((u) => `${u.id} (${u.region})`)).toEqual([]);
      await asUser('get', `/admin/users/${northern.id}`, holder).expect(200);
      const outside = await asUser('get', `/admin/users/${southern.id}`, holder);
      expect([403, 404]).toContain(outside.status);
    });
  });

  describe('PATCH /admin/roles/:id', () => {
    it('changes the description and the rules, not the name', async () => {
      const role = await newRole({ description: 'before' });
      const response = await call('patch', `/${role.id}`, tenant.adminToken, { description: 'after' }).expect(200);
      expect(response.body).toMatchObject({ id: role.id, name: role.name, description: 'after', rules: role.rules });
      const renamed = await call('patch', `/${role.id}`, tenant.adminToken, { name: roleName() });
      expectProblem(renamed, 422, 'validation_failed');
      expect(fieldsOf(renamed)).toEqual(['name']);
    });

    it('answers 409 for any change of the admin role, which stays intact', async () => {
      expectProblem(await call('patch', `/${roleIds.admin}`, tenant.adminToken, { rules: [] }), 409, 'conflict');
      expectProblem(await call('patch', `/${roleIds.admin}`, tenant.adminToken, { description: 'mine now' }), 409, 'conflict');
      expect((await call('get', `/${roleIds.admin}`, tenant.adminToken).expect(200)).body.rules).toEqual([{ action: 'manage', subject: 'all' }]);
      await call('get', '', tenant.adminToken).expect(200);
    });

    it('answers 422 for invalid rules, unknown fields and nulls, and leaves the role as it was', async () => {
      const role = await newRole();
      const cases: Array<[object, string[]]> = [
        [{ rules: [{ action: 'read', subject: 'Ticket', conditions: { secret_column: true } }] }, ['rules[0].conditions']],
        [
          {
            rules: [
              { action: 'read', subject: 'Team' },
              { action: 'read', subject: 'Ticket', conditions: { requester_id: '${user.nope}' } },
            ],
          },
          ['rules[1].conditions'],
        ],
        [{ rules: [{ action: 'steal', subject: 'Ticket' }] }, ['rules[0].action']],
        [{ rules: 'all' }, ['rules']],
        [{ rules: null }, ['rules']],
        [{ description: null }, ['description']],
        [{ is_system: false }, ['is_system']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('patch', `/${role.id}`, tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
      expect((await call('get', `/${role.id}`, tenant.adminToken).expect(200)).body).toEqual(role);
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s role', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignRoleId])
        expectProblem(await call('patch', `/${id}`, tenant.adminToken, { description: 'x' }), 404, 'not_found');
      expect((await call('get', `/${foreignRoleId}`, other.adminToken).expect(200)).body.description).toBe('');
    });
  });

  describe('DELETE /admin/roles/:id', () => {
    it('deletes an unused custom role (204), after which it is gone and its name free', async () => {
      const role = await newRole();
      const response = await call('delete', `/${role.id}`, tenant.adminToken).expect(204);
      expect(response.text).toBe('');
      expectProblem(await call('get', `/${role.id}`, tenant.adminToken), 404, 'not_found');
      expectProblem(await call('delete', `/${role.id}`, tenant.adminToken), 404, 'not_found');
      await call('post', '', tenant.adminToken, { name: role.name, rules: [] }).expect(201);
    });

    it('answers 409 for every seeded role', async () => {
      for (const name of SEEDED) expectProblem(await call('delete', `/${roleIds[name]}`, tenant.adminToken), 409, 'conflict');
      const names = (await call('get', '?limit=200', tenant.adminToken).expect(200)).body.data.map((r: { name: string }) => r.name);
      expect(names).toEqual(expect.arrayContaining(SEEDED));
    });

    it('answers 409 for a role that a user holds, even a deactivated one', async () => {
      const role = await newRole();
      const holder = await createUser(api, tenant, role.name);
      const response = await call('delete', `/${role.id}`, tenant.adminToken);
      expectProblem(response, 409, 'conflict');
      expect(response.body.holders).toBe(1);
      await request(api.url)
        .delete(`/api/v1/admin/users/${holder.id}`)
        .set(...bearer(tenant.adminToken))
        .expect(204);
      expectProblem(await call('delete', `/${role.id}`, tenant.adminToken), 409, 'conflict');
      await asUser('get', '/admin/teams', holder).expect(401);
      await call('get', `/${role.id}`, tenant.adminToken).expect(200);
    });

    it('answers 409 for a role that an API key holds', async () => {
      const role = await newRole();
      await request(api.url)
        .post('/api/v1/admin/api-keys')
        .set(...bearer(tenant.adminToken))
        .send({ name: 'holder', role: role.name, scopes: ['admin'] })
        .expect(201);
      expectProblem(await call('delete', `/${role.id}`, tenant.adminToken), 409, 'conflict');
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s role', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignRoleId]) expectProblem(await call('delete', `/${id}`, tenant.adminToken), 404, 'not_found');
      await call('get', `/${foreignRoleId}`, other.adminToken).expect(200);
    });
  });

  it('documents every roles route in the OpenAPI document', async () => {
    const doc = (await request(api.url).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/v1/admin/roles']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/admin/roles/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
  });
});
