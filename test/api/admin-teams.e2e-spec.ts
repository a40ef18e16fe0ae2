import { randomUUID } from 'node:crypto';
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
  startApi,
  TestTenant,
  TestUser,
  UUID,
} from '@helpdesk/testing';

describe('admin API: teams', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let opsAgent: TestUser;
  let requester: TestUser;
  let foreignTeamId: string;
  let counter = 0;

  const call = routeCaller(() => api, '/api/v1/admin/teams');
  const uniqueName = (label = 'Team') => `${label} ${++counter} ${randomUUID().slice(0, 6)}`;
  const newTeam = async (body: object = {}) => (await call('post', '', tenant.adminToken, { name: uniqueName(), ...body }).expect(201)).body;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    other = await createTenant(api);
    opsAgent = await createUser(api, tenant, 'ops_agent');
    requester = await createUser(api, tenant, 'requester');
    foreignTeamId = (await call('post', '', other.adminToken, { name: 'Foreign team' }).expect(201)).body.id;
  });
  afterAll(() => api.close());

  describe('without a credential or the permission', () => {
    let teamId: string;
    beforeAll(async () => {
      teamId = (await newTeam()).id;
    });
    const routes = (): Array<[Method, string, object | undefined]> => [
      ['post', '', { name: uniqueName() }],
      ['get', '', undefined],
      ['get', `/${teamId}`, undefined],
      ['patch', `/${teamId}`, { name: uniqueName() }],
      ['delete', `/${teamId}`, undefined],
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

    it('lets an ops_agent read teams but not create, change or delete them', async () => {
      const list = await call('get', '?limit=200', opsAgent.token).expect(200);
      expect(list.body.data.map((t: { id: string }) => t.id)).toContain(teamId);
      await call('get', `/${teamId}`, opsAgent.token).expect(200);
      for (const [method, path, body] of routes().filter(([m]) => m !== 'get')) expectProblem(await call(method, path, opsAgent.token, body), 403, 'forbidden');
      await call('get', `/${teamId}`, tenant.adminToken).expect(200);
    });
  });

  describe('POST /admin/teams', () => {
    it('creates a team and answers with it', async () => {
      const name = uniqueName('Support');
      const response = await call('post', '', tenant.adminToken, { name, description: 'First line' }).expect(201);
      expect(response.body).toEqual({ id: UUID, tenant_id: tenant.id, name, description: 'First line', created_at: ISO, updated_at: ISO });
      const plain = await call('post', '', tenant.adminToken, { name: uniqueName() }).expect(201);
      expect(plain.body.description).toBe('');
    });

    it('answers 409 for a name the tenant already has, whatever its case; another tenant may use it', async () => {
      const name = uniqueName('Dup');
      await newTeam({ name });
      expectProblem(await call('post', '', tenant.adminToken, { name }), 409, 'conflict');
      expectProblem(await call('post', '', tenant.adminToken, { name: name.toUpperCase() }), 409, 'conflict');
      await call('post', '', other.adminToken, { name }).expect(201);
    });

    it('answers 422 with field errors for unknown fields, wrong types and bad values', async () => {
      const cases: Array<[object, string[]]> = [
        [{ name: uniqueName(), colour: 'red' }, ['colour']],
        [{ name: uniqueName(), tenant_id: other.id }, ['tenant_id']],
        [{}, ['name']],
        [{ name: '' }, ['name']],
        [{ name: 12, description: false }, ['description', 'name']],
        [{ name: 'x'.repeat(201) }, ['name']],
        [{ name: uniqueName(), description: 'x'.repeat(2001) }, ['description']],
        [{ name: uniqueName(), description: null }, ['description']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('post', '', tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
    });
  });

  describe('GET /admin/teams', () => {
    it('lists the tenant’s teams only', async () => {
      const mine = await newTeam();
      const response = await call('get', '?limit=200', tenant.adminToken).expect(200);
      expect(response.body).toEqual({ data: expect.any(Array), next_cursor: null });
      const ids = response.body.data.map((t: { id: string }) => t.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(foreignTeamId);
      expect(response.body.data.every((t: { tenant_id: string }) => t.tenant_id === tenant.id)).toBe(true);
    });

    it('pages by keyset, even through rows created in the same instant: no duplicates, no gaps, last next_cursor null', async () => {
      const fresh = await createTenant(api);
      // One statement: every row gets the same created_at, so only the id breaks the ties.
      await dataSourceOf(api).query(`INSERT INTO teams (tenant_id, name, description) SELECT $1, 'Tied ' || n, '' FROM generate_series(1, 7) n`, [fresh.id]);
      for (let i = 0; i < 3; i++) await call('post', '', fresh.adminToken, { name: `Later ${i}` }).expect(201);
      const all: Array<{ id: string; name: string; created_at: string }> = (await call('get', '?limit=200', fresh.adminToken).expect(200)).body.data;
      expect(all).toHaveLength(10);
      expect(new Set(all.slice(0, 7).map((t) => t.created_at)).size).toBe(1);
      expect(all.slice(0, 7).map((t) => t.id)).toEqual(
        all
          .slice(0, 7)
          .map((t) => t.id)
          .sort(),
      );
      expect(all.slice(7).map((t) => t.name)).toEqual(['Later 0', 'Later 1', 'Later 2']);

      for (const limit of [1, 2, 3, 5, 10]) {
        const seen: string[] = [];
        const sizes: number[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: request.Response = await call('get', `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, fresh.adminToken).expect(200);
          sizes.push(page.body.data.length);
          seen.push(...page.body.data.map((t: { id: string }) => t.id));
          cursor = page.body.next_cursor;
          pages++;
        } while (cursor && pages < 20);
        expect({ limit, seen }).toEqual({ limit, seen: all.map((t) => t.id) });
        expect({ limit, sizes }).toEqual({ limit, sizes: [...Array(Math.floor(10 / limit)).fill(limit), ...(10 % limit ? [10 % limit] : [])] });
      }
    });

    it('answers 422 for bad queries', async () => {
      const cases: Array<[string, string[]]> = [
        ['?name=x', ['name']],
        ['?limit=0', ['limit']],
        ['?limit=1000', ['limit']],
        ['?limit=ten', ['limit']],
        ['?cursor=%%%', ['cursor']],
        [`?cursor=${Buffer.from('{"id":42}').toString('base64url')}`, ['cursor']],
        [`?cursor=${'a'.repeat(201)}`, ['cursor']],
      ];
      for (const [query, fields] of cases) {
        const response = await call('get', query, tenant.adminToken);
        expectProblem(response, 422, 'validation_failed');
        expect({ query, fields: fieldsOf(response) }).toEqual({ query, fields });
      }
    });
  });

  describe('GET /admin/teams/:id', () => {
    it('answers with the team', async () => {
      const team = await newTeam({ description: 'Described' });
      const response = await call('get', `/${team.id}`, tenant.adminToken).expect(200);
      expect(response.body).toEqual(team);
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s team', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignTeamId]) expectProblem(await call('get', `/${id}`, tenant.adminToken), 404, 'not_found');
    });
  });

  describe('PATCH /admin/teams/:id', () => {
    it('changes the given fields only', async () => {
      const team = await newTeam({ description: 'Before' });
      const name = uniqueName('Renamed');
      const response = await call('patch', `/${team.id}`, tenant.adminToken, { name }).expect(200);
      expect(response.body).toMatchObject({ id: team.id, name, description: 'Before', created_at: team.created_at });
      const described = await call('patch', `/${team.id}`, tenant.adminToken, { description: 'After' }).expect(200);
      expect(described.body).toMatchObject({ name, description: 'After' });
      expect((await call('get', `/${team.id}`, tenant.adminToken).expect(200)).body).toMatchObject({ name, description: 'After' });
      // Keeping its own name, or changing only its case, is not a conflict with itself.
      await call('patch', `/${team.id}`, tenant.adminToken, { name: name.toUpperCase() }).expect(200);
    });

    it('answers 409 when renaming to a name another team has', async () => {
      const first = await newTeam();
      const second = await newTeam();
      expectProblem(await call('patch', `/${second.id}`, tenant.adminToken, { name: first.name.toLowerCase() }), 409, 'conflict');
      expect((await call('get', `/${second.id}`, tenant.adminToken).expect(200)).body.name).toBe(second.name);
    });

    it('answers 422 for unknown fields, wrong types and nulls', async () => {
      const team = await newTeam();
      const cases: Array<[object, string[]]> = [
        [{ id: randomUUID() }, ['id']],
        [{ name: '' }, ['name']],
        [{ name: ['a'] }, ['name']],
        [{ name: null }, ['name']],
        [{ description: null }, ['description']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('patch', `/${team.id}`, tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
      expect((await call('get', `/${team.id}`, tenant.adminToken).expect(200)).body).toEqual(team);
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s team', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignTeamId])
        expectProblem(await call('patch', `/${id}`, tenant.adminToken, { name: uniqueName() }), 404, 'not_found');
      expect((await call('get', `/${foreignTeamId}`, other.adminToken).expect(200)).body.name).toBe('Foreign team');
    });
  });

  describe('DELETE /admin/teams/:id', () => {
    it('deletes the team (204, empty body) and takes it out of its members’ teams', async () => {
      const team = await newTeam();
      const keep = await newTeam();
      const member = await createUser(api, tenant, 'ops_agent', { team_ids: [team.id, keep.id] });
      const response = await call('delete', `/${team.id}`, tenant.adminToken).expect(204);
      expect(response.text).toBe('');
      expectProblem(await call('get', `/${team.id}`, tenant.adminToken), 404, 'not_found');
      const user = await request(api.url)
        .get(`/api/v1/admin/users/${member.id}`)
        .set(...bearer(tenant.adminToken))
        .expect(200);
      expect(user.body.team_ids).toEqual([keep.id]);
      expectProblem(await call('delete', `/${team.id}`, tenant.adminToken), 404, 'not_found');
      // The name is free again.
      await call('post', '', tenant.adminToken, { name: team.name }).expect(201);
    });

    it('answers 404 for an unknown id, a non-UUID id and another tenant’s team, which survives', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', foreignTeamId]) expectProblem(await call('delete', `/${id}`, tenant.adminToken), 404, 'not_found');
      await call('get', `/${foreignTeamId}`, other.adminToken).expect(200);
    });
  });

  it('documents every teams route in the OpenAPI document', async () => {
    const doc = (await request(api.url).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/v1/admin/teams']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/admin/teams/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
  });
});
