import { adminIdOf, createTenant, createUser, dataSourceOf, expectProblem, RunningApp, startApi, TestTenant } from '@helpdesk/testing';
import { API_OVERRIDES, createTeam, currentVersion, newTicket, ticketsApi, TicketsApi, UNKNOWN_ID } from './tickets-fixtures';
import { SEEDED_ROLES, SeededRole } from '@helpdesk/domain';

const ROLES = SEEDED_ROLES;
type Role = SeededRole;

/**
 * The tickets of the tenant (all but Q raised by admin for a separate requester, "client", who is
 * in no table below):
 *   A  team A                      B  team B
 *   F  franchise fr-1              R  region north
 *   X  franchise fr-2, region south
 *   P  linked to a payment (no team, franchise or region)
 *   Q  raised by the requester themself (no team, franchise or region)
 * plus O, a ticket of another tenant, which nobody here may see.
 *
 * Users: ops_agent and ops_manager in team A, franchise_agent of fr-1, regional_manager of north,
 * the others with no team, franchise or region.
 */
type TicketKey = 'A' | 'B' | 'F' | 'R' | 'X' | 'P' | 'Q';

/** What GET /tickets returns for each role, written by hand from libs/access/src/default-roles.ts. */
// prettier-ignore
const LIST_MATRIX: Record<Role, string> = {
  admin:            'A B F R X P Q',
  hq_support:       'A B F R X P Q',
  regional_manager: 'R',
  ops_manager:      'A',
  ops_agent:        'A',
  franchise_agent:  'F',
  finance:          'P',
  ceo_oncall:       'A B F R X P Q',
  auditor:          'A B F R X P Q',
  requester:        'Q',
};

/**
 * The status of each route for each role on five of the tickets, by hand from default-roles.ts.
 * Columns, in order:
 *   GET /:id, PATCH /:id (title), POST /:id/assign, POST /:id/messages (public), POST /:id/messages
 *   (internal), GET /:id/messages, POST /:id/watchers (self), GET /:id/audit
 * A ticket the caller may not read is 404 on every route.
 */
// prettier-ignore
const ROUTE_MATRIX: Record<Role, Partial<Record<TicketKey, string>>> = {
  //                   GET PATCH asgn msg note msgs watch audit
  admin: {
    A:                '200 200 200 201 201 200 201 200',
    F:                '200 200 200 201 201 200 201 200',
    R:                '200 200 200 201 201 200 201 200',
    P:                '200 200 200 201 201 200 201 200',
    Q:                '200 200 200 201 201 200 201 200',
  },
  hq_support: {
    A:                '200 200 200 201 201 200 201 200',
    F:                '200 200 200 201 201 200 201 200',
    R:                '200 200 200 201 201 200 201 200',
    P:                '200 200 200 201 201 200 201 200',
    Q:                '200 200 200 201 201 200 201 200',
  },
  regional_manager: {
    A:                '404 404 404 404 404 404 404 404',
    F:                '404 404 404 404 404 404 404 404',
    R:                '200 200 200 201 201 200 201 200',
    P:                '404 404 404 404 404 404 404 404',
    Q:                '404 404 404 404 404 404 404 404',
  },
  ops_manager: {
    A:                '200 200 200 201 201 200 201 200',
    F:                '404 404 404 404 404 404 404 404',
    R:                '404 404 404 404 404 404 404 404',
    P:                '404 404 404 404 404 404 404 404',
    Q:                '404 404 404 404 404 404 404 404',
  },
  ops_agent: {
    A:                '200 200 200 201 201 200 201 403',
    F:                '404 404 404 404 404 404 404 404',
    R:                '404 404 404 404 404 404 404 404',
    P:                '404 404 404 404 404 404 404 404',
    Q:                '404 404 404 404 404 404 404 404',
  },
  franchise_agent: {
    A:                '404 404 404 404 404 404 404 404',
    F:                '200 200 403 201 201 200 201 403',
    R:                '404 404 404 404 404 404 404 404',
    P:                '404 404 404 404 404 404 404 404',
    Q:                '404 404 404 404 404 404 404 404',
  },
  finance: {
    A:                '404 404 404 404 404 404 404 404',
    F:                '404 404 404 404 404 404 404 404',
    R:                '404 404 404 404 404 404 404 404',
    P:                '200 200 200 201 201 200 201 403',
    Q:                '404 404 404 404 404 404 404 404',
  },
  ceo_oncall: {
    A:                '200 403 403 201 201 200 403 200',
    F:                '200 403 403 201 201 200 403 200',
    R:                '200 403 403 201 201 200 403 200',
    P:                '200 403 403 201 201 200 403 200',
    Q:                '200 403 403 201 201 200 403 200',
  },
  auditor: {
    A:                '200 403 403 403 403 200 403 200',
    F:                '200 403 403 403 403 200 403 200',
    R:                '200 403 403 403 403 200 403 200',
    P:                '200 403 403 403 403 200 403 200',
    Q:                '200 403 403 403 403 200 403 200',
  },
  requester: {
    A:                '404 404 404 404 404 404 404 404',
    F:                '404 404 404 404 404 404 404 404',
    R:                '404 404 404 404 404 404 404 404',
    P:                '404 404 404 404 404 404 404 404',
    Q:                '200 403 403 201 403 200 201 403',
  },
};

/** The ticket fields a requester is shown (REQUESTER_TICKET_FIELDS), by hand. */
const REQUESTER_FIELDS = [
  'assignee_id',
  'closed_at',
  'created_at',
  'description',
  'first_responded_at',
  'id',
  'linked_id',
  'linked_type',
  'priority',
  'requester_id',
  'resolution_summary',
  'resolved_at',
  'source',
  'source_id',
  'status',
  'tags',
  'team_id',
  'title',
  'type',
  'updated_at',
  'version',
];

describe('tickets: access matrix of the seeded roles', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let other: TestTenant;
  let teamA: string;
  const tokens = {} as Record<Role, string>;
  const userIds = {} as Record<Role, string>;
  const ticketIds = {} as Record<TicketKey | 'O', string>;
  const labelOf = (id: string) => Object.entries(ticketIds).find(([, value]) => value === id)?.[0] ?? `unexpected ${id}`;

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    other = await createTenant(api);
    teamA = await createTeam(api, tenant, 'A');
    const teamB = await createTeam(api, tenant, 'B');
    tokens.admin = tenant.adminToken;
    userIds.admin = await adminIdOf(api, tenant);
    const attributes: Record<Exclude<Role, 'admin'>, Record<string, unknown>> = {
      hq_support: {},
      regional_manager: { region: 'north' },
      ops_manager: { team_ids: [teamA] },
      ops_agent: { team_ids: [teamA] },
      franchise_agent: { franchise_id: 'fr-1' },
      finance: {},
      ceo_oncall: {},
      auditor: {},
      requester: {},
    };
    for (const [role, attrs] of Object.entries(attributes) as Array<[Role, Record<string, unknown>]>) {
      const user = await createUser(api, tenant, role, attrs);
      tokens[role] = user.token;
      userIds[role] = user.id;
    }
    const client = await createUser(api, tenant, 'requester');

    const raise = async (body: object) => (await newTicket(api, tenant.adminToken, { requester_id: client.id, ...body })).id;
    ticketIds.A = await raise({ title: 'A', team_id: teamA });
    ticketIds.B = await raise({ title: 'B', team_id: teamB });
    ticketIds.F = await raise({ title: 'F', franchise_id: 'fr-1' });
    ticketIds.R = await raise({ title: 'R', region: 'north' });
    ticketIds.X = await raise({ title: 'X', franchise_id: 'fr-2', region: 'south' });
    ticketIds.P = await raise({ title: 'P', linked_type: 'payment', linked_id: 'pay-1' });
    ticketIds.Q = (await newTicket(api, tokens.requester, { title: 'Q', metadata: { internal_score: 7 } })).id;
    ticketIds.O = (await newTicket(api, other.adminToken, { title: 'O' })).id;
    // The requester watches Q from the start; make room for the matrix's "watch" column.
    await t.removeWatcher(tokens.requester, ticketIds.Q, userIds.requester).expect(204);
  });
  afterAll(() => api.close());

  it.each(ROLES)('GET /tickets shows %s exactly the tickets of the table', async (role) => {
    const response = await t.list(tokens[role], 'limit=200').expect(200);
    expect(response.body.next_cursor).toBeNull();
    const labels = response.body.data.map((ticket: { id: string }) => labelOf(ticket.id)).sort();
    expect({ role, labels: labels.join(' ') }).toEqual({ role, labels: LIST_MATRIX[role].split(' ').sort().join(' ') });
    // Filters never widen the view, and archived=true shows nothing archived here.
    expect((await t.list(tokens[role], 'archived=true').expect(200)).body.data).toEqual([]);
  });

  it.each(ROLES)('routes of single tickets answer %s as the table says', async (role) => {
    const token = tokens[role];
    for (const [key, expected] of Object.entries(ROUTE_MATRIX[role]) as Array<[TicketKey, string]>) {
      const id = ticketIds[key];
      const statuses = [
        (await t.get(token, id)).status,
        (await t.patch(token, id, { title: `${key} edited by ${role}` }, await currentVersion(api, id))).status,
        (await t.assign(token, id, { team_id: key === 'A' ? teamA : null, reason: 'matrix' })).status,
        (await t.postMessage(token, id, { body: `public reply by ${role}` })).status,
        (await t.postMessage(token, id, { body: `internal note by ${role}`, internal: true })).status,
        (await t.messages(token, id)).status,
        (await t.addWatcher(token, id)).status,
        (await t.audit(token, id)).status,
      ];
      expect({ role, ticket: key, statuses: statuses.join(' ') }).toEqual({ role, ticket: key, statuses: expected });
    }
  });

  it.each(ROLES)('another tenant’s ticket does not exist for %s', async (role) => {
    const id = ticketIds.O;
    for (const response of [
      await t.get(tokens[role], id),
      await t.patch(tokens[role], id, { title: 'x' }, 1),
      await t.assign(tokens[role], id, { team_id: null, reason: 'x' }),
      await t.postMessage(tokens[role], id, { body: 'x' }),
      await t.messages(tokens[role], id),
      await t.addWatcher(tokens[role], id),
      await t.audit(tokens[role], id),
      await t.archive(tokens[role], id),
    ]) {
      expectProblem(response, 404, 'not_found');
    }
  });

  it('never shows the requester an internal note, and shows agents all of them', async () => {
    const id = ticketIds.Q;
    await t.postMessage(tokens.hq_support, id, { body: 'note: refund approved', internal: true }).expect(201);
    await t.postMessage(tokens.hq_support, id, { body: 'reply: we are on it' }).expect(201);
    const stored = await dataSourceOf(api).query('SELECT body, internal FROM ticket_messages WHERE ticket_id = $1', [id]);
    const internal = stored
      .filter((m: { internal: boolean }) => m.internal)
      .map((m: { body: string }) => m.body)
      .sort();
    const publicOnes = stored
      .filter((m: { internal: boolean }) => !m.internal)
      .map((m: { body: string }) => m.body)
      .sort();
    expect(internal.length).toBeGreaterThan(0);

    const mine = await t.messages(tokens.requester, id, 'limit=200').expect(200);
    expect(mine.body.data.map((m: { body: string }) => m.body).sort()).toEqual(publicOnes);
    expect(mine.body.data.some((m: { internal: boolean }) => m.internal)).toBe(false);
    // Page by page as well.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ body: string; internal: boolean }>; next_cursor: string | null } } = await t
        .messages(tokens.requester, id, `limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(page.body.data.every((m) => !m.internal)).toBe(true);
      seen.push(...page.body.data.map((m) => m.body));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(publicOnes);

    for (const role of ['admin', 'hq_support', 'ceo_oncall', 'auditor'] as const) {
      const all = await t.messages(tokens[role], id, 'limit=200').expect(200);
      expect(all.body.data.map((m: { body: string }) => m.body).sort()).toEqual([...internal, ...publicOnes].sort());
    }
  });

  it('shows the requester their ticket without internal fields (metadata, owner_role, sla_state, ...)', async () => {
    const view = await t.get(tokens.requester, ticketIds.Q).expect(200);
    expect(Object.keys(view.body).sort()).toEqual(REQUESTER_FIELDS);
    for (const hidden of [
      'metadata',
      'owner_role',
      'sla_state',
      'sla_policy_id',
      'franchise_id',
      'region',
      'escalation_level',
      'first_response_due_at',
      'tenant_id',
      'is_sensitive',
    ]) {
      expect(view.body).not.toHaveProperty(hidden);
    }
    expect(view.headers.etag).toBe(`"${view.body.version}"`);
    const listed = await t.list(tokens.requester).expect(200);
    expect(listed.body.data).toHaveLength(1);
    expect(Object.keys(listed.body.data[0]).sort()).toEqual(REQUESTER_FIELDS);
    // Agents see the internal fields of the same ticket.
    const full = await t.get(tokens.hq_support, ticketIds.Q).expect(200);
    expect(full.body).toMatchObject({ metadata: { internal_score: 7 }, owner_role: 'ops_agent', sla_state: expect.any(String) });
  });

  it('lets only admin archive, and refuses the unknown with 404 for everyone', async () => {
    const readers: Record<Role, number> = {
      admin: 204,
      hq_support: 403,
      regional_manager: 404,
      ops_manager: 403,
      ops_agent: 403,
      franchise_agent: 404,
      finance: 404,
      ceo_oncall: 403,
      auditor: 403,
      requester: 404,
    };
    // Everyone else first, so that the admin's archive comes last.
    for (const role of [...ROLES].reverse()) {
      const response = await t.archive(tokens[role], ticketIds.A);
      expect({ role, status: response.status }).toEqual({ role, status: readers[role] });
      expectProblem(await t.archive(tokens[role], UNKNOWN_ID), 404, 'not_found');
    }
  });
});
