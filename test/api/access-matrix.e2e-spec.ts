import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { subjectOf } from '@helpdesk/access';
import { AuthService } from '@helpdesk/core';
import { UsersRepository } from '@helpdesk/database';
import { bearer, createTenant, createUser, RunningApp, startApi, TestTenant, TestUser } from '@helpdesk/testing';
import { SEEDED_ROLES, SeededRole } from '@helpdesk/domain';

const ROLES = SEEDED_ROLES;
type Role = SeededRole;

/**
 * The status of each admin route for a user of each seeded role, written out by hand from
 * libs/access/src/default-roles.ts. Columns, in order:
 *   GET /admin/users, POST /admin/users, GET /admin/teams, POST /admin/teams, GET /admin/roles,
 *   POST /admin/roles, GET /admin/sla-policies, PUT /admin/sla-policies/low, GET /admin/api-keys,
 *   POST /admin/api-keys
 */
// prettier-ignore
const HTTP_MATRIX: Record<Role, number[]> = {
  //                users      teams      roles      sla        api-keys
  //                GET  POST  GET  POST  GET  POST  GET  PUT   GET  POST
  admin:            [200, 201, 200, 201, 200, 201, 200, 200, 200, 201],
  hq_support:       [200, 403, 200, 403, 403, 403, 200, 403, 403, 403],
  regional_manager: [200, 403, 200, 403, 403, 403, 200, 403, 403, 403],
  ops_manager:      [200, 403, 200, 403, 403, 403, 200, 403, 403, 403],
  ops_agent:        [200, 403, 200, 403, 403, 403, 403, 403, 403, 403],
  franchise_agent:  [200, 403, 200, 403, 403, 403, 403, 403, 403, 403],
  finance:          [200, 403, 200, 403, 403, 403, 403, 403, 403, 403],
  ceo_oncall:       [200, 403, 200, 403, 403, 403, 200, 403, 403, 403],
  auditor:          [200, 403, 200, 403, 200, 403, 200, 403, 200, 403],
  requester:        [403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
};

/**
 * What the ability the api builds for a user of each role allows on tickets and messages, written
 * out by hand from libs/access/src/default-roles.ts. Every user has team_ids [MINE], franchise
 * "fr-1" and region "north". 1 = allowed, 0 = refused.
 *
 * read / update / assign / escalate, each on five tickets (none linked to anything):
 *   T  in the user's team (another franchise and region, requested by someone else)
 *   O  in another team, franchise and region, requested by someone else
 *   F  in another team, in the user's franchise
 *   R  in another team, in the user's region
 *   Q  in another team, franchise and region, requested by the user
 * resolve: `transition` to 'resolved' of a ticket in the user's team, franchise and region,
 *   requested by the user: P linked to a payment, N linked to nothing
 * message: `read` of a message on a ticket: I internal note, P public reply
 */
const ABILITY_MATRIX: Record<Role, string> = {
  //                read   update assign escalate resolve message
  //                TOFRQ  TOFRQ  TOFRQ  TOFRQ    PN      IP
  admin: '11111 11111 11111 11111 11 11',
  hq_support: '11111 11111 11111 11111 01 11',
  regional_manager: '00010 00010 00010 00010 01 11',
  ops_manager: '10000 10000 10000 10000 01 11',
  ops_agent: '10000 10000 10000 00000 01 11',
  franchise_agent: '00100 00100 00000 00000 01 11',
  finance: '00000 00000 00000 00000 10 11',
  ceo_oncall: '11111 00000 00000 11111 00 11',
  auditor: '11111 00000 00000 00000 00 11',
  requester: '00001 00000 00000 00000 00 01',
};

describe('access matrix of the seeded roles', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let mine: string;
  let otherTeam: string;
  const users = {} as Record<Role, TestUser>;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    const team = async (name: string) =>
      (
        await request(api.url)
          .post('/api/v1/admin/teams')
          .set(...bearer(tenant.adminToken))
          .send({ name })
          .expect(201)
      ).body.id as string;
    mine = await team('Matrix mine');
    otherTeam = await team('Matrix other');
    for (const role of ROLES) users[role] = await createUser(api, tenant, role, { team_ids: [mine], franchise_id: 'fr-1', region: 'north' });
  });
  afterAll(() => api.close());

  it('answers each admin route with the status the role’s rules give', async () => {
    const suffix = () => randomBytes(4).toString('hex');
    const routes: Array<(token: string) => request.Test> = [
      (t) =>
        request(api.url)
          .get('/api/v1/admin/users')
          .set(...bearer(t)),
      (t) =>
        request(api.url)
          .post('/api/v1/admin/users')
          .set(...bearer(t))
          .send({ email: `m-${suffix()}@${tenant.slug}.test`, name: 'Matrix', role: 'requester' }),
      (t) =>
        request(api.url)
          .get('/api/v1/admin/teams')
          .set(...bearer(t)),
      (t) =>
        request(api.url)
          .post('/api/v1/admin/teams')
          .set(...bearer(t))
          .send({ name: `Matrix ${suffix()}` }),
      (t) =>
        request(api.url)
          .get('/api/v1/admin/roles')
          .set(...bearer(t)),
      (t) =>
        request(api.url)
          .post('/api/v1/admin/roles')
          .set(...bearer(t))
          .send({ name: `matrix_${suffix()}`, rules: [] }),
      (t) =>
        request(api.url)
          .get('/api/v1/admin/sla-policies')
          .set(...bearer(t)),
      (t) =>
        request(api.url)
          .put('/api/v1/admin/sla-policies/low')
          .set(...bearer(t))
          .send({ first_response_minutes: 1440, resolution_minutes: 4320, escalation_chain: ['franchise_agent', 'ops_manager', 'regional_manager'] }),
      (t) =>
        request(api.url)
          .get('/api/v1/admin/api-keys')
          .set(...bearer(t)),
      (t) =>
        request(api.url)
          .post('/api/v1/admin/api-keys')
          .set(...bearer(t))
          .send({ name: `matrix ${suffix()}`, role: 'auditor', scopes: ['tickets:read'] }),
    ];
    const actual = {} as Record<Role, number[]>;
    for (const role of ROLES) {
      actual[role] = [];
      for (const route of routes) {
        const response = await route(users[role].token);
        actual[role].push(response.status);
        if (response.status === 403) expect(response.body.type).toBe('urn:helpdesk:problem:forbidden');
      }
    }
    expect(actual).toEqual(HTTP_MATRIX);
  });

  it('builds for each role the ticket and message permissions its rules give', async () => {
    const actual = {} as Record<Role, string>;
    for (const role of ROLES) {
      const entity = await api.services.get(UsersRepository).findById(tenant.id, users[role].id);
      if (!entity) throw new Error(`user of ${role} not found`);
      expect({ role, team_ids: entity.team_ids, franchise_id: entity.franchise_id, region: entity.region }).toEqual({
        role,
        team_ids: [mine],
        franchise_id: 'fr-1',
        region: 'north',
      });
      const { ability } = await api.services.get(AuthService).principalOf(entity);

      const someoneElse = randomUUID();
      const ticket = (fields: Record<string, unknown>) =>
        subjectOf('Ticket', {
          id: randomUUID(),
          status: 'open',
          priority: 'medium',
          type: 'incident',
          source: 'web',
          requester_id: someoneElse,
          assignee_id: null,
          team_id: otherTeam,
          owner_role: null,
          franchise_id: 'fr-2',
          region: 'south',
          linked_type: null,
          linked_id: null,
          is_sensitive: false,
          archived: false,
          sla_state: 'on_track',
          escalation_level: 0,
          tags: [],
          ...fields,
        });
      const tickets = [
        ticket({ team_id: mine }), // T
        ticket({}), // O
        ticket({ franchise_id: 'fr-1' }), // F
        ticket({ region: 'north' }), // R
        ticket({ requester_id: entity.id }), // Q
      ];
      const own = { team_id: mine, franchise_id: 'fr-1', region: 'north', requester_id: entity.id };
      const payment = ticket({ ...own, linked_type: 'payment', linked_id: 'pay_123' });
      const plain = ticket(own);
      const message = (internal: boolean) => subjectOf('Message', { id: randomUUID(), ticket_id: randomUUID(), author_id: someoneElse, internal });

      const bit = (allowed: boolean) => (allowed ? '1' : '0');
      const groups = ['read', 'update', 'assign', 'escalate'].map((action) => tickets.map((t) => bit(ability.can(action, t))).join(''));
      groups.push(bit(ability.can('transition', payment, 'resolved')) + bit(ability.can('transition', plain, 'resolved')));
      groups.push(bit(ability.can('read', message(true))) + bit(ability.can('read', message(false))));
      actual[role] = groups.join(' ');
    }
    expect(actual).toEqual(ABILITY_MATRIX);
  });
});
