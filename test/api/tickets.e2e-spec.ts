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
  RunningApp,
  startApi,
  TestTenant,
  TestUser,
  UUID_RE,
} from '@helpdesk/testing';
import {
  API_OVERRIDES,
  createTeam,
  currentVersion,
  expectFailsWithoutRecords,
  newTicket,
  outboxPayloads,
  plusMinutes,
  recordsOf,
  recordsWritten,
  sleep,
  ticketRow,
  ticketsApi,
  TicketsApi,
  UNKNOWN_ID,
} from './tickets-fixtures';

describe('tickets API: create, read, update, assign, archive', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let other: TestTenant;
  let adminId: string;
  let teamA: string;
  let teamB: string;
  let foreignTeam: string;
  let requester: TestUser;
  let westRequester: TestUser;
  let opsAgentA: TestUser;
  let opsAgentB: TestUser;
  let opsManagerA: TestUser;
  let hqSupport: TestUser;
  let finance: TestUser;
  let franchiseAgent: TestUser;
  let ceo: TestUser;
  let auditor: TestUser;

  const db = () => dataSourceOf(api);
  const policyOf = async (tenantId: string, priority: string) =>
    (await db().query('SELECT * FROM sla_policies WHERE tenant_id = $1 AND priority = $2 AND is_current', [tenantId, priority]))[0];
  const ticketCount = async (tenantId: string) => (await db().query('SELECT count(*)::int AS n FROM tickets WHERE tenant_id = $1', [tenantId]))[0].n;
  const watcherIds = async (ticketId: string) =>
    (await db().query('SELECT user_id FROM ticket_watchers WHERE ticket_id = $1 ORDER BY user_id', [ticketId])).map((r: { user_id: string }) => r.user_id);

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    other = await createTenant(api);
    [teamA, teamB, foreignTeam] = await Promise.all([createTeam(api, tenant, 'A'), createTeam(api, tenant, 'B'), createTeam(api, other, 'Foreign')]);
    adminId = await adminIdOf(api, tenant);
    [requester, westRequester, opsAgentA, opsAgentB, opsManagerA, hqSupport, finance, franchiseAgent, ceo, auditor] = await Promise.all([
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'requester', { franchise_id: 'fr-9', region: 'west' }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamB] }),
      createUser(api, tenant, 'ops_manager', { team_ids: [teamA] }),
      createUser(api, tenant, 'hq_support'),
      createUser(api, tenant, 'finance'),
      createUser(api, tenant, 'franchise_agent', { franchise_id: 'fr-1' }),
      createUser(api, tenant, 'ceo_oncall'),
      createUser(api, tenant, 'auditor'),
    ]);
  });
  afterAll(() => api.close());

  describe('POST /tickets', () => {
    it('creates a ticket: 201, Location, ETag "1", the fields sent, SLA due dates and owner role from the priority’s policy', async () => {
      const body = {
        title: 'Checkout page returns 500',
        description: 'Since this morning every checkout fails.',
        type: 'incident',
        priority: 'high',
        source: 'email',
        source_id: 'msg-001',
        tags: ['checkout', 'web', 'checkout'],
        linked_type: 'order',
        linked_id: 'ord-77',
        metadata: { browser: 'firefox', attempts: 3 },
        is_sensitive: false,
      };
      const response = await t.create(tenant.adminToken, body);
      const written = await recordsOf(api, response.body.id);
      expect(response.status).toBe(201);
      const ticket = response.body;
      expect(ticket.id).toMatch(UUID_RE);
      expect(response.headers.location).toBe(`/api/v1/tickets/${ticket.id}`);
      expect(response.headers.etag).toBe('"1"');

      const high = await policyOf(tenant.id, 'high');
      expect(Number(high.first_response_minutes)).toBe(120);
      expect(Number(high.resolution_minutes)).toBe(1440);
      expect(ticket).toMatchObject({
        title: body.title,
        description: body.description,
        type: 'incident',
        priority: 'high',
        status: 'new',
        source: 'email',
        source_id: 'msg-001',
        tags: ['checkout', 'web'],
        linked_type: 'order',
        linked_id: 'ord-77',
        metadata: { browser: 'firefox', attempts: 3 },
        is_sensitive: false,
        archived: false,
        version: 1,
        requester_id: adminId,
        assignee_id: null,
        team_id: null,
        franchise_id: null,
        region: null,
        owner_role: 'ops_manager',
        sla_policy_id: high.id,
        sla_state: 'on_track',
        sla_paused_at: null,
        sla_paused_seconds: 0,
        escalation_level: 0,
        reopen_count: 0,
        first_responded_at: null,
        resolution_summary: null,
        resolved_at: null,
        closed_at: null,
        created_at: ISO,
        updated_at: ISO,
      });
      expect(ticket.first_response_due_at).toBe(plusMinutes(ticket.created_at, 120));
      expect(ticket.resolution_due_at).toBe(plusMinutes(ticket.created_at, 1440));
      expect(ticket.owner_role).toBe(high.escalation_chain[0]);
      // The tenant comes with the credential; it is stored, not answered.
      expect(ticket).not.toHaveProperty('tenant_id');
      expect((await ticketRow(api, ticket.id)).tenant_id).toBe(tenant.id);

      // What was stored is what was answered.
      const read = await t.get(tenant.adminToken, ticket.id).expect(200);
      expect(read.body).toEqual(ticket);
      expect(written).toEqual({ audit: ['created'], events: ['ticket.created'] });
      const [event] = await outboxPayloads(api, ticket.id, 'ticket.created');
      expect(event).toMatchObject({ ticket_id: ticket.id, priority: 'high', actor: { actor_type: 'user', actor_id: adminId } });
    });

    it.each([
      ['low', 24 * 60, 72 * 60, 'franchise_agent'],
      ['medium', 8 * 60, 48 * 60, 'ops_agent'],
      ['critical', 30, 4 * 60, 'hq_support'],
    ])('takes the %s policy: first response +%i min, resolution +%i min, owner %s', async (priority, firstResponse, resolution, owner) => {
      const ticket = await newTicket(api, tenant.adminToken, { priority });
      const policy = await policyOf(tenant.id, priority);
      expect(ticket.sla_policy_id).toBe(policy.id);
      expect(ticket.first_response_due_at).toBe(plusMinutes(ticket.created_at, firstResponse));
      expect(ticket.resolution_due_at).toBe(plusMinutes(ticket.created_at, resolution));
      expect(ticket.owner_role).toBe(owner);
    });

    it('makes the caller the requester, takes franchise and region from the requester, and shows a requester only public fields', async () => {
      const response = await t
        .create(westRequester.token, { title: 'My order never came', type: 'support', priority: 'low', metadata: { channel: 'app' } })
        .expect(201);
      const view = response.body;
      expect(view.requester_id).toBe(westRequester.id);
      for (const hidden of [
        'metadata',
        'owner_role',
        'sla_state',
        'franchise_id',
        'region',
        'tenant_id',
        'first_response_due_at',
        'sla_policy_id',
        'escalation_level',
      ]) {
        expect(view).not.toHaveProperty(hidden);
      }
      expect(view).toMatchObject({ title: 'My order never came', status: 'new', version: 1 });
      expect(response.headers.etag).toBe('"1"');
      const row = await ticketRow(api, view.id);
      expect(row).toMatchObject({ requester_id: westRequester.id, franchise_id: 'fr-9', region: 'west', metadata: { channel: 'app' } });

      // An agent raising a ticket for someone else: the defaults come from that requester, explicit values win.
      const onBehalf = await newTicket(api, hqSupport.token, { requester_id: westRequester.id, franchise_id: 'fr-7' });
      expect(onBehalf).toMatchObject({ requester_id: westRequester.id, franchise_id: 'fr-7', region: 'west' });
      const own = await newTicket(api, hqSupport.token, {});
      expect(own).toMatchObject({ requester_id: hqSupport.id, franchise_id: null, region: null });
    });

    it('makes the requester and the assignee watchers', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { requester_id: requester.id, team_id: teamA, assignee_id: opsAgentA.id });
      expect(ticket).toMatchObject({ requester_id: requester.id, team_id: teamA, assignee_id: opsAgentA.id });
      expect(await watcherIds(ticket.id)).toEqual([requester.id, opsAgentA.id].sort());
    });

    const long = (n: number) => 'x'.repeat(n);
    it.each([
      ['an empty title', { title: '' }, ['title']],
      ['a title of 201 characters', { title: long(201) }, ['title']],
      ['a description over 20000 characters', { description: long(20001) }, ['description']],
      ['an unknown type', { type: 'complaint' }, ['type']],
      ['an unknown priority', { priority: 'urgent' }, ['priority']],
      ['metadata over 16 KiB', { metadata: { blob: long(16 * 1024) } }, ['metadata']],
      ['metadata that is not an object', { metadata: ['a'] }, ['metadata']],
      ['an unknown field', { colour: 'red' }, ['colour']],
      ['a server-owned field', { status: 'resolved', version: 9 }, ['status', 'version']],
      ['a malformed tag', { tags: ['ok', 'not ok!'] }, ['tags']],
      ['a non-UUID team', { team_id: 'team-a' }, ['team_id']],
    ])('answers 422 for %s and stores nothing', async (_label, override, fields) => {
      const before = await ticketCount(tenant.id);
      const response = await t.create(tenant.adminToken, { title: 'Valid', type: 'bug', priority: 'low', ...override });
      expectProblem(response, 422, 'validation_failed');
      expect(fieldsOf(response)).toEqual(fields);
      expect(await ticketCount(tenant.id)).toBe(before);
    });

    it('answers 422 naming every missing required field', async () => {
      const response = await t.create(tenant.adminToken, {});
      expectProblem(response, 422, 'validation_failed');
      expect(fieldsOf(response)).toEqual(['priority', 'title', 'type']);
    });

    it('accepts the limits themselves: 200-character title, 20000-character description, metadata just under 16 KiB', async () => {
      const metadata = { blob: long(16 * 1024 - 20) };
      expect(Buffer.byteLength(JSON.stringify(metadata))).toBeLessThanOrEqual(16 * 1024);
      const ticket = await newTicket(api, tenant.adminToken, { title: long(200), description: long(20000), metadata });
      expect(ticket.title).toHaveLength(200);
      expect(ticket.description).toHaveLength(20000);
      expect(ticket.metadata.blob).toHaveLength(16 * 1024 - 20);
    });

    it('answers a repeated source + source_id with 200 and the same ticket, writing no second audit row or event', async () => {
      const body = { title: 'From the mail gateway', type: 'support', priority: 'medium', source: 'email', source_id: 'mail-4711' };
      const first = await t.create(tenant.adminToken, body).expect(201);
      const before = await recordsOf(api, first.body.id);
      expect(before).toEqual({ audit: ['created'], events: ['ticket.created'] });
      const again = await t.create(tenant.adminToken, { ...body, title: 'The same mail, delivered twice' }).expect(200);
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.title).toBe('From the mail gateway');
      expect(again.headers.location).toBe(`/api/v1/tickets/${first.body.id}`);
      expect(again.headers.etag).toBe('"1"');
      expect(await recordsOf(api, first.body.id)).toEqual(before);
      const rows = await db().query('SELECT count(*)::int AS n FROM tickets WHERE tenant_id = $1 AND source_id = $2', [tenant.id, 'mail-4711']);
      expect(rows[0].n).toBe(1);
      // The same id from another source is another ticket.
      const slack = await t.create(tenant.adminToken, { ...body, source: 'slack' }).expect(201);
      expect(slack.body.id).not.toBe(first.body.id);
    });

    it('replays the answer for a repeated Idempotency-Key with the same body, and refuses the key with another body (422)', async () => {
      const key = `key-${Date.now()}`;
      const body = { title: 'Idempotent ticket', type: 'task', priority: 'low' };
      const first = await t.create(tenant.adminToken, body, { 'idempotency-key': key }).expect(201);
      const replay = await t.create(tenant.adminToken, body, { 'idempotency-key': key });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.location).toBe(first.headers.location);
      expect(replay.headers.etag).toBe('"1"');
      expect(await recordsOf(api, first.body.id)).toEqual({ audit: ['created'], events: ['ticket.created'] });

      const before = await ticketCount(tenant.id);
      const mismatch = await t.create(tenant.adminToken, { ...body, priority: 'high' }, { 'idempotency-key': key });
      expectProblem(mismatch, 422, 'idempotency_mismatch');
      expect(await ticketCount(tenant.id)).toBe(before);

      // Keys belong to the caller: another user's same key is a new request.
      const otherUser = await t.create(hqSupport.token, body, { 'idempotency-key': key }).expect(201);
      expect(otherUser.body.id).not.toBe(first.body.id);
    });

    it('refuses an Idempotency-Key over 255 characters', async () => {
      const before = await ticketCount(tenant.id);
      const response = await t.create(tenant.adminToken, { title: 'Long key', type: 'task', priority: 'low' }, { 'idempotency-key': 'k'.repeat(256) });
      expectProblem(response, 422, 'validation_failed');
      expect(fieldsOf(response)).toEqual(['Idempotency-Key']);
      expect(await ticketCount(tenant.id)).toBe(before);
    });

    it('creates exactly one ticket for concurrent requests with the same Idempotency-Key', async () => {
      const key = `concurrent-${Date.now()}`;
      const title = `Concurrent ${key}`;
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => t.create(tenant.adminToken, { title, type: 'bug', priority: 'medium' }, { 'idempotency-key': key })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      const rows = await db().query('SELECT id FROM tickets WHERE tenant_id = $1 AND title = $2', [tenant.id, title]);
      expect(rows).toHaveLength(1);
      expect(await recordsOf(api, rows[0].id)).toEqual({ audit: ['created'], events: ['ticket.created'] });
    });

    it('creates exactly one ticket for concurrent requests with the same source + source_id', async () => {
      const sourceId = `race-${Date.now()}`;
      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          t.create(tenant.adminToken, { title: `Race ${i}`, type: 'bug', priority: 'low', source: 'email', source_id: sourceId }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(await recordsOf(api, responses[0].body.id)).toEqual({ audit: ['created'], events: ['ticket.created'] });
    });

    it('replays a key whose first use hit an existing source_id', async () => {
      const body = { title: 'Gateway retry', type: 'support', priority: 'low', source: 'webhook', source_id: `hook-${Date.now()}` };
      const original = await t.create(tenant.adminToken, body).expect(201);
      const key = `after-source-${Date.now()}`;
      const first = await t.create(tenant.adminToken, body, { 'idempotency-key': key }).expect(200);
      expect(first.body.id).toBe(original.body.id);
      const replay = await t.create(tenant.adminToken, body, { 'idempotency-key': key });
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe(original.body.id);
      expect(await recordsOf(api, original.body.id)).toEqual({ audit: ['created'], events: ['ticket.created'] });
    });

    it('refuses team_id, assignee_id or another requester_id from a caller without assign (403) and stores nothing', async () => {
      const before = await ticketCount(tenant.id);
      for (const extra of [{ team_id: teamA }, { assignee_id: opsAgentA.id }, { requester_id: westRequester.id }]) {
        const response = await t.create(requester.token, { title: 'Route me', type: 'support', priority: 'low', ...extra });
        expectProblem(response, 403, 'forbidden');
      }
      // Naming themself as requester is no choice at all.
      const self = await newTicket(api, requester.token, { requester_id: requester.id });
      expect(self.requester_id).toBe(requester.id);
      expect(await ticketCount(tenant.id)).toBe(before + 1);
    });

    it('refuses roles without create on Ticket (ceo_oncall, auditor) with 403', async () => {
      for (const user of [ceo, auditor]) {
        expectProblem(await t.create(user.token, { title: 'Nope', type: 'task', priority: 'low' }), 403, 'forbidden');
      }
    });

    it('answers 422 for an unknown team, another tenant’s team, or an unknown requester', async () => {
      const before = await ticketCount(tenant.id);
      for (const [extra, field] of [
        [{ team_id: UNKNOWN_ID }, 'team_id'],
        [{ team_id: foreignTeam }, 'team_id'],
        [{ requester_id: UNKNOWN_ID }, 'requester_id'],
      ] as const) {
        const response = await t.create(tenant.adminToken, { title: 'Bad reference', type: 'task', priority: 'low', ...extra });
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual([field]);
      }
      expect(await ticketCount(tenant.id)).toBe(before);
    });

    it('answers 422 for an assignee whose role cannot work the ticket, and accepts one who can', async () => {
      const before = await ticketCount(tenant.id);
      for (const extra of [
        { team_id: teamA, assignee_id: opsAgentB.id }, // another team's agent
        { team_id: teamA, assignee_id: finance.id }, // not linked to a payment
        { team_id: teamA, assignee_id: requester.id }, // a requester works nothing
        { team_id: teamA, assignee_id: UNKNOWN_ID },
      ]) {
        const response = await t.create(tenant.adminToken, { title: 'Assign me', type: 'task', priority: 'low', ...extra });
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual(['assignee_id']);
      }
      expect(await ticketCount(tenant.id)).toBe(before);
      const ok = await newTicket(api, tenant.adminToken, { team_id: teamA, assignee_id: opsAgentA.id });
      expect(ok.assignee_id).toBe(opsAgentA.id);
      const payment = await newTicket(api, tenant.adminToken, { linked_type: 'payment', linked_id: 'pay-1', assignee_id: finance.id });
      expect(payment.assignee_id).toBe(finance.id);
    });
  });

  describe('GET /tickets/:id', () => {
    let ticket: Record<string, any>;
    beforeAll(async () => {
      ticket = await newTicket(api, tenant.adminToken, { team_id: teamA, requester_id: requester.id });
    });

    it('answers 200 with the version as ETag', async () => {
      await t.patch(tenant.adminToken, ticket.id, { title: 'Renamed once' }, 1).expect(200);
      const response = await t.get(opsAgentA.token, ticket.id).expect(200);
      expect(response.headers.etag).toBe('"2"');
      expect(response.body).toMatchObject({ id: ticket.id, version: 2, title: 'Renamed once' });
    });

    it('answers 404 for an unknown id, a non-UUID, another tenant’s ticket and a ticket the caller may not read', async () => {
      const foreign = await newTicket(api, other.adminToken);
      expectProblem(await t.get(tenant.adminToken, UNKNOWN_ID), 404, 'not_found');
      expectProblem(await t.get(tenant.adminToken, 'not-a-uuid'), 404, 'not_found');
      expectProblem(await t.get(tenant.adminToken, foreign.id), 404, 'not_found');
      for (const user of [opsAgentB, franchiseAgent, finance, westRequester]) {
        expectProblem(await t.get(user.token, ticket.id), 404, 'not_found');
      }
      // The same answer as for a ticket that does not exist: nothing tells them apart.
      const hidden = await t.get(opsAgentB.token, ticket.id);
      const missing = await t.get(opsAgentB.token, UNKNOWN_ID);
      expect(hidden.body.detail).toBe(missing.body.detail);
    });

    it('audits each view of a sensitive ticket (viewed, no event), and not of a normal one', async () => {
      const sensitive = await newTicket(api, tenant.adminToken, { team_id: teamA, is_sensitive: true });
      const { written } = await recordsWritten(api, sensitive.id, async () => {
        await t.get(opsAgentA.token, sensitive.id).expect(200);
        await t.get(hqSupport.token, sensitive.id).expect(200);
      });
      expect(written).toEqual({ audit: ['viewed', 'viewed'], events: [] });
      const rows = await db().query("SELECT actor_id, actor_type FROM ticket_audit WHERE ticket_id = $1 AND action = 'viewed' ORDER BY seq", [sensitive.id]);
      expect(rows).toEqual([
        { actor_id: opsAgentA.id, actor_type: 'user' },
        { actor_id: hqSupport.id, actor_type: 'user' },
      ]);
      // A refused view is not a view.
      const refused = await recordsWritten(api, sensitive.id, () => t.get(opsAgentB.token, sensitive.id).expect(404));
      expect(refused.written).toEqual({ audit: [], events: [] });

      const normal = await recordsWritten(api, ticket.id, () => t.get(opsAgentA.token, ticket.id).expect(200));
      expect(normal.written).toEqual({ audit: [], events: [] });
    });
  });

  describe('PATCH /tickets/:id', () => {
    it('needs If-Match: 428 without, 412 on a stale version, 200 with the new ETag', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA });
      const missing = await expectFailsWithoutRecords(
        api,
        ticket.id,
        428,
        () => t.patch(opsAgentA.token, ticket.id, { title: 'No precondition' }),
        'precondition_required',
      );
      expect(missing.body.detail).toMatch(/If-Match/);
      const ok = await recordsWritten(api, ticket.id, () => t.patch(opsAgentA.token, ticket.id, { title: 'Edited', tags: ['a', 'b', 'a'] }, '"1"'));
      expect(ok.result.status).toBe(200);
      expect(ok.result.headers.etag).toBe('"2"');
      expect(ok.result.body).toMatchObject({ title: 'Edited', tags: ['a', 'b'], version: 2 });
      expect(ok.written).toEqual({ audit: ['updated'], events: ['ticket.updated'] });
      const [audit] = await db().query("SELECT changes, actor_id FROM ticket_audit WHERE ticket_id = $1 AND action = 'updated'", [ticket.id]);
      expect(audit).toEqual({ actor_id: opsAgentA.id, changes: { title: { old: ticket.title, new: 'Edited' }, tags: { old: [], new: ['a', 'b'] } } });
      expect((await outboxPayloads(api, ticket.id, 'ticket.updated'))[0].fields.sort()).toEqual(['tags', 'title']);

      const stale = await expectFailsWithoutRecords(
        api,
        ticket.id,
        412,
        () => t.patch(opsAgentA.token, ticket.id, { title: 'Stale write' }, '"1"'),
        'precondition_failed',
      );
      expect(stale.body.current_version).toBe(2);
      await expectFailsWithoutRecords(
        api,
        ticket.id,
        412,
        () => t.patch(opsAgentA.token, ticket.id, { title: 'Garbage' }, 'not-a-version'),
        'precondition_failed',
      );
      // Weak and bare forms of the current version are accepted.
      const weak = await t.patch(opsAgentA.token, ticket.id, { description: 'Weak ETag' }, 'W/"2"').expect(200);
      expect(weak.headers.etag).toBe('"3"');
      expect((await ticketRow(api, ticket.id)).title).toBe('Edited');
    });

    it('lets exactly one of concurrent PATCHes with the same If-Match win; the others get 412', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA });
      const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => t.patch(opsAgentA.token, ticket.id, { title: `Writer ${i}` }, 1)));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412]);
      const winner = responses.find((r) => r.status === 200)!;
      const row = await ticketRow(api, ticket.id);
      expect(row).toMatchObject({ version: 2, title: winner.body.title });
      expect(await recordsOf(api, ticket.id)).toEqual({ audit: ['created', 'updated'], events: ['ticket.created', 'ticket.updated'] });
    });

    it('changes exactly the fields a partial body names, and leaves every other field as it was', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { title: 'Printer', description: 'Jams on page 2', tags: ['hw'], metadata: { floor: 3 } });
      const untouched = (row: Record<string, unknown>) => ({ description: row.description, tags: row.tags, metadata: row.metadata, priority: row.priority });
      const before = untouched(await ticketRow(api, ticket.id));
      for (const [version, body] of [
        [1, { title: 'Printer on floor 3' }],
        [2, { status: 'open' }],
        [3, { title: 'Printer, floor 3', status: 'in_progress' }],
      ] as const) {
        const response = await t.patch(tenant.adminToken, ticket.id, body, version);
        expect({ status: response.status, body: response.body }).toMatchObject({ status: 200, body: { ...body, version: version + 1 } });
        expect(untouched(await ticketRow(api, ticket.id))).toEqual(before);
      }
      const [audit] = await db().query("SELECT changes FROM ticket_audit WHERE ticket_id = $1 AND action = 'updated' ORDER BY seq LIMIT 1", [ticket.id]);
      expect(Object.keys(audit.changes)).toEqual(['title']);
    });

    it('changes nothing and writes nothing for a PATCH that changes no value', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { title: 'Same' });
      const { result, written } = await recordsWritten(api, ticket.id, () => t.patch(tenant.adminToken, ticket.id, { title: 'Same' }, 1));
      expect(result.status).toBe(200);
      expect(result.headers.etag).toBe('"1"');
      expect(written).toEqual({ audit: [], events: [] });
    });

    it('validates the body (422) and writes nothing', async () => {
      const ticket = await newTicket(api, tenant.adminToken);
      for (const [body, fields] of [
        [{ title: '' }, ['title']],
        [{ priority: 'urgent' }, ['priority']],
        [{ status: 'done' }, ['status']],
        [{ requester_id: requester.id }, ['requester_id']],
        [{ metadata: { blob: 'x'.repeat(16 * 1024) } }, ['metadata']],
      ] as const) {
        const response = await expectFailsWithoutRecords(api, ticket.id, 422, () => t.patch(tenant.adminToken, ticket.id, body, 1), 'validation_failed');
        expect(fieldsOf(response)).toEqual(fields);
      }
      expect(await currentVersion(api, ticket.id)).toBe(1);
    });

    it('answers 404 for a ticket the caller may not read, 403 for one it may read but not update', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA, requester_id: requester.id });
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.patch(opsAgentB.token, ticket.id, { title: 'x' }, 1), 'not_found');
      expectProblem(await t.patch(tenant.adminToken, UNKNOWN_ID, { title: 'x' }, 1), 404, 'not_found');
      for (const user of [ceo, auditor, requester]) {
        await expectFailsWithoutRecords(api, ticket.id, 403, () => t.patch(user.token, ticket.id, { title: 'Not mine to edit' }, 1), 'forbidden');
      }
    });

    it('moves the status only through the state machine: 409 with the allowed targets, nothing written', async () => {
      const ticket = await newTicket(api, tenant.adminToken);
      const invalid = await expectFailsWithoutRecords(
        api,
        ticket.id,
        409,
        () => t.patch(tenant.adminToken, ticket.id, { status: 'closed' }, 1),
        'invalid_transition',
      );
      expect(invalid.body).toMatchObject({ from: 'new', to: 'closed' });
      expect([...invalid.body.allowed].sort()).toEqual(['awaiting_customer', 'awaiting_third_party', 'in_progress', 'open', 'resolved', 'wont_fix']);
      const open = await recordsWritten(api, ticket.id, () => t.patch(tenant.adminToken, ticket.id, { status: 'open' }, 1).expect(200));
      expect(open.result.body.status).toBe('open');
      expect(open.written).toEqual({ audit: ['updated'], events: ['ticket.updated', 'ticket.status_changed'] });
      expect((await outboxPayloads(api, ticket.id, 'ticket.status_changed'))[0]).toMatchObject({ from: 'new', to: 'open' });
      // From open, `new` is no target.
      const back = await expectFailsWithoutRecords(
        api,
        ticket.id,
        409,
        () => t.patch(tenant.adminToken, ticket.id, { status: 'new' }, 2),
        'invalid_transition',
      );
      expect(back.body.allowed).not.toContain('new');
    });

    it('requires a resolution_summary to resolve (422); resolving sets resolved_at; reopening counts and emits ticket.reopened', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA });
      const noSummary = await expectFailsWithoutRecords(
        api,
        ticket.id,
        422,
        () => t.patch(opsAgentA.token, ticket.id, { status: 'resolved' }, 1),
        'validation_failed',
      );
      expect(fieldsOf(noSummary)).toEqual(['resolution_summary']);

      const resolved = await recordsWritten(api, ticket.id, () =>
        t.patch(opsAgentA.token, ticket.id, { status: 'resolved', resolution_summary: 'Restarted the service' }, 1),
      );
      expect(resolved.result.status).toBe(200);
      expect(resolved.result.body).toMatchObject({
        status: 'resolved',
        resolution_summary: 'Restarted the service',
        resolved_at: ISO,
        sla_state: 'met',
        version: 2,
      });
      expect(resolved.result.body.resolved_at).toBe(resolved.result.body.updated_at);
      expect(resolved.written).toEqual({ audit: ['updated'], events: ['ticket.updated', 'ticket.status_changed', 'ticket.resolved'] });

      const reopened = await recordsWritten(api, ticket.id, () => t.patch(opsAgentA.token, ticket.id, { status: 'open' }, 2));
      expect(reopened.result.status).toBe(200);
      expect(reopened.result.body).toMatchObject({ status: 'open', reopen_count: 1, resolved_at: null, version: 3 });
      expect(reopened.written).toEqual({ audit: ['updated'], events: ['ticket.updated', 'ticket.status_changed', 'ticket.reopened'] });
      expect((await outboxPayloads(api, ticket.id, 'ticket.reopened'))[0]).toMatchObject({ ticket_id: ticket.id, reopen_count: 1 });

      // A second round counts again; the summary kept from before is enough the second time.
      await t.patch(opsAgentA.token, ticket.id, { status: 'resolved' }, 3).expect(200);
      const again = await t.patch(opsAgentA.token, ticket.id, { status: 'open' }, 4).expect(200);
      expect(again.body.reopen_count).toBe(2);
      // closed is final.
      await t.patch(opsAgentA.token, ticket.id, { status: 'resolved' }, 5).expect(200);
      const closed = await t.patch(opsAgentA.token, ticket.id, { status: 'closed' }, 6).expect(200);
      expect(closed.body).toMatchObject({ status: 'closed', closed_at: ISO });
      const final = await expectFailsWithoutRecords(
        api,
        ticket.id,
        409,
        () => t.patch(opsAgentA.token, ticket.id, { status: 'open' }, 7),
        'invalid_transition',
      );
      expect(final.body.allowed).toEqual([]);
    });

    it('lets a requester reopen or close their own ticket, but not edit it', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { requester_id: requester.id });
      await t.patch(tenant.adminToken, ticket.id, { status: 'resolved', resolution_summary: 'Done' }, 1).expect(200);
      const reopened = await t.patch(requester.token, ticket.id, { status: 'open' }, 2).expect(200);
      expect(reopened.body.status).toBe('open');
      expect(reopened.body).not.toHaveProperty('sla_state');
      expect(reopened.body).not.toHaveProperty('reopen_count');
      expect((await ticketRow(api, ticket.id)).reopen_count).toBe(1);
      await expectFailsWithoutRecords(api, ticket.id, 403, () => t.patch(requester.token, ticket.id, { status: 'in_progress' }, 3), 'forbidden');
      await expectFailsWithoutRecords(
        api,
        ticket.id,
        403,
        () => t.patch(requester.token, ticket.id, { status: 'resolved', resolution_summary: 'I fixed it' }, 3),
        'forbidden',
      );
    });

    it('recomputes the due dates on a priority change and stamps the current policy version', async () => {
      const own = await createTenant(api);
      const ticket = await newTicket(api, own.adminToken, { priority: 'medium' });
      const keeper = await newTicket(api, own.adminToken, { priority: 'high' });
      const oldHigh = await policyOf(own.id, 'high');
      expect(keeper.sla_policy_id).toBe(oldHigh.id);

      const put = await request(api.url)
        .put('/api/v1/admin/sla-policies/high')
        .set(...bearer(own.adminToken))
        .send({ first_response_minutes: 60, resolution_minutes: 600, escalation_chain: ['hq_support', 'ceo_oncall'] })
        .expect(200);
      const newHigh = await policyOf(own.id, 'high');
      expect(put.body.id).toBe(newHigh.id);
      expect(newHigh.id).not.toBe(oldHigh.id);

      const { result, written } = await recordsWritten(api, ticket.id, () => t.patch(own.adminToken, ticket.id, { priority: 'high' }, 1));
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ priority: 'high', sla_policy_id: newHigh.id, version: 2 });
      expect(result.body.first_response_due_at).toBe(plusMinutes(ticket.created_at, 60));
      expect(result.body.resolution_due_at).toBe(plusMinutes(ticket.created_at, 600));
      expect(written).toEqual({ audit: ['updated'], events: ['ticket.updated'] });
      const [audit] = await db().query("SELECT changes FROM ticket_audit WHERE ticket_id = $1 AND action = 'updated'", [ticket.id]);
      expect(Object.keys(audit.changes).sort()).toEqual(expect.arrayContaining(['first_response_due_at', 'priority', 'resolution_due_at', 'sla_policy_id']));
      expect(audit.changes.priority).toEqual({ old: 'medium', new: 'high' });
      expect((await outboxPayloads(api, ticket.id, 'ticket.updated'))[0].fields).toEqual(['priority']);

      // A ticket whose priority does not change keeps the version it applied.
      const edited = await t.patch(own.adminToken, keeper.id, { title: 'Still high' }, 1).expect(200);
      expect(edited.body).toMatchObject({
        sla_policy_id: oldHigh.id,
        first_response_due_at: keeper.first_response_due_at,
        resolution_due_at: keeper.resolution_due_at,
      });

      // And back down: the current low policy's terms.
      const low = await t.patch(own.adminToken, ticket.id, { priority: 'low' }, 2).expect(200);
      expect(low.body.sla_policy_id).toBe((await policyOf(own.id, 'low')).id);
      expect(low.body.first_response_due_at).toBe(plusMinutes(ticket.created_at, 24 * 60));
      expect(low.body.resolution_due_at).toBe(plusMinutes(ticket.created_at, 72 * 60));
    });

    it('pauses the clock while awaiting the customer and shifts the due dates by the paused time on the way back', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { priority: 'high', team_id: teamA });
      const paused = await recordsWritten(api, ticket.id, () => t.patch(opsAgentA.token, ticket.id, { status: 'awaiting_customer' }, 1));
      expect(paused.result.status).toBe(200);
      const p = paused.result.body;
      expect(p).toMatchObject({ status: 'awaiting_customer', sla_state: 'paused', sla_paused_at: ISO });
      expect((await ticketRow(api, ticket.id)).next_sla_check_at).toBeNull();
      expect(p.sla_paused_at).toBe(p.updated_at);
      expect(p.first_response_due_at).toBe(ticket.first_response_due_at);
      expect(p.resolution_due_at).toBe(ticket.resolution_due_at);
      expect(paused.written).toEqual({ audit: ['updated'], events: ['ticket.updated', 'ticket.status_changed'] });

      await sleep(50);
      const resumed = await t.patch(opsAgentA.token, ticket.id, { status: 'open' }, 2).expect(200);
      const r = resumed.body;
      expect(r).toMatchObject({ status: 'open', sla_state: 'on_track', sla_paused_at: null });
      expect((await ticketRow(api, ticket.id)).next_sla_check_at).toBeInstanceOf(Date);
      const pausedMs = new Date(r.updated_at).getTime() - new Date(p.sla_paused_at).getTime();
      expect(pausedMs).toBeGreaterThan(0);
      expect(Math.round(r.sla_paused_seconds * 1000)).toBe(pausedMs);
      expect(new Date(r.first_response_due_at).getTime() - new Date(ticket.first_response_due_at).getTime()).toBe(pausedMs);
      expect(new Date(r.resolution_due_at).getTime() - new Date(ticket.resolution_due_at).getTime()).toBe(pausedMs);
    });

    it('lets only finance and admin (of the seeded roles) finish a ticket linked to a payment', async () => {
      const payment = await newTicket(api, tenant.adminToken, { team_id: teamA, linked_type: 'payment', linked_id: 'pay-42' });
      const resolve = { status: 'resolved', resolution_summary: 'Refunded' };
      for (const user of [hqSupport, opsManagerA, opsAgentA]) {
        await expectFailsWithoutRecords(api, payment.id, 403, () => t.patch(user.token, payment.id, resolve, 1), 'forbidden');
        await expectFailsWithoutRecords(api, payment.id, 403, () => t.patch(user.token, payment.id, { status: 'wont_fix' }, 1), 'forbidden');
      }
      // Other moves stay open to them.
      await t.patch(hqSupport.token, payment.id, { status: 'in_progress' }, 1).expect(200);
      const byFinance = await recordsWritten(api, payment.id, () => t.patch(finance.token, payment.id, resolve, 2));
      expect(byFinance.result.status).toBe(200);
      expect(byFinance.result.body.status).toBe('resolved');
      expect(byFinance.written.events).toEqual(['ticket.updated', 'ticket.status_changed', 'ticket.resolved']);

      const another = await newTicket(api, tenant.adminToken, { linked_type: 'payment', linked_id: 'pay-43' });
      await t.patch(tenant.adminToken, another.id, resolve, 1).expect(200);
      // The same move on an unlinked ticket is fine for hq_support.
      const plain = await newTicket(api, tenant.adminToken);
      await t.patch(hqSupport.token, plain.id, resolve, 1).expect(200);
    });
  });

  describe('POST /tickets/:id/assign', () => {
    it('requires a reason and something to assign (422), writing nothing', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA });
      for (const [body, fields] of [
        [{ assignee_id: opsAgentA.id }, ['reason']],
        [{ assignee_id: opsAgentA.id, reason: '' }, ['reason']],
        [{ reason: 'nothing named' }, ['assignee_id']],
        [{ assignee_id: 'someone', reason: 'x' }, ['assignee_id']],
        [{ team_id: UNKNOWN_ID, reason: 'x' }, ['team_id']],
        [{ assignee_id: opsAgentB.id, reason: 'wrong team' }, ['assignee_id']],
      ] as const) {
        const response = await expectFailsWithoutRecords(api, ticket.id, 422, () => t.assign(tenant.adminToken, ticket.id, body), 'validation_failed');
        expect(fieldsOf(response)).toEqual(fields);
      }
      expect(await currentVersion(api, ticket.id)).toBe(1);
    });

    it('sets assignee and team, makes the assignee a watcher, audits the reason and emits ticket.assigned; null unassigns', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { requester_id: requester.id });
      const { result, written } = await recordsWritten(api, ticket.id, () =>
        t.assign(tenant.adminToken, ticket.id, { team_id: teamA, assignee_id: opsAgentA.id, reason: 'Their queue' }),
      );
      expect(result.status).toBe(200);
      expect(result.headers.etag).toBe('"2"');
      expect(result.body).toMatchObject({ id: ticket.id, team_id: teamA, assignee_id: opsAgentA.id, version: 2 });
      expect(written).toEqual({ audit: ['assigned'], events: ['ticket.assigned'] });
      expect(await watcherIds(ticket.id)).toEqual([requester.id, opsAgentA.id].sort());
      const [audit] = await db().query("SELECT changes FROM ticket_audit WHERE ticket_id = $1 AND action = 'assigned'", [ticket.id]);
      expect(audit.changes).toEqual({ team_id: { old: null, new: teamA }, assignee_id: { old: null, new: opsAgentA.id }, reason: 'Their queue' });
      expect((await outboxPayloads(api, ticket.id, 'ticket.assigned'))[0]).toMatchObject({ assignee_id: opsAgentA.id, team_id: teamA, reason: 'Their queue' });
      // The new assignee can now see and work it.
      await t.get(opsAgentA.token, ticket.id).expect(200);

      const unassigned = await recordsWritten(api, ticket.id, () => t.assign(opsAgentA.token, ticket.id, { assignee_id: null, reason: 'Going on leave' }));
      expect(unassigned.result.status).toBe(200);
      expect(unassigned.result.body).toMatchObject({ assignee_id: null, team_id: teamA, version: 3 });
      expect(unassigned.written).toEqual({ audit: ['assigned'], events: ['ticket.assigned'] });
      // Assigning what is already there changes nothing.
      const same = await recordsWritten(api, ticket.id, () => t.assign(opsAgentA.token, ticket.id, { team_id: teamA, reason: 'no-op' }).expect(200));
      expect(same.written).toEqual({ audit: [], events: [] });
    });

    it('moves only what the body names: a new team keeps the assignee, a new assignee keeps the team', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA, assignee_id: hqSupport.id });
      await t.assign(tenant.adminToken, ticket.id, { team_id: teamB, reason: 'Other queue' }).expect(200);
      expect(await ticketRow(api, ticket.id)).toMatchObject({ team_id: teamB, assignee_id: hqSupport.id });
      await t.assign(tenant.adminToken, ticket.id, { assignee_id: opsAgentB.id, reason: 'Their queue' }).expect(200);
      expect(await ticketRow(api, ticket.id)).toMatchObject({ team_id: teamB, assignee_id: opsAgentB.id });
    });

    it('answers 403 for a role without assign (franchise_agent, ceo_oncall, auditor) and 404 for a ticket the caller cannot read', async () => {
      const ticket = await newTicket(api, tenant.adminToken, { franchise_id: 'fr-1', team_id: teamA });
      await t.get(franchiseAgent.token, ticket.id).expect(200);
      for (const user of [franchiseAgent, ceo, auditor]) {
        await expectFailsWithoutRecords(api, ticket.id, 403, () => t.assign(user.token, ticket.id, { team_id: teamB, reason: 'Move it' }), 'forbidden');
      }
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.assign(opsAgentB.token, ticket.id, { team_id: teamB, reason: 'Mine now' }), 'not_found');
      expectProblem(await t.assign(tenant.adminToken, UNKNOWN_ID, { team_id: teamB, reason: 'x' }), 404, 'not_found');
    });
  });

  describe('DELETE /tickets/:id', () => {
    it('lets only admin archive (others 403, unreadable 404); an archived ticket leaves the default list and stays readable', async () => {
      const tag = `arch-${Date.now()}`;
      const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA, tags: [tag], requester_id: requester.id, franchise_id: 'fr-1' });
      for (const user of [hqSupport, opsManagerA, opsAgentA, franchiseAgent, ceo, auditor, requester]) {
        await t.get(user.token, ticket.id).expect(200);
        await expectFailsWithoutRecords(api, ticket.id, 403, () => t.archive(user.token, ticket.id), 'forbidden');
      }
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.archive(opsAgentB.token, ticket.id), 'not_found');
      expectProblem(await t.archive(tenant.adminToken, UNKNOWN_ID), 404, 'not_found');

      expect((await t.list(tenant.adminToken, `tag=${tag}`).expect(200)).body.data.map((x: { id: string }) => x.id)).toEqual([ticket.id]);
      const { result, written } = await recordsWritten(api, ticket.id, () => t.archive(tenant.adminToken, ticket.id));
      expect(result.status).toBe(204);
      expect(result.text).toBe('');
      expect(written).toEqual({ audit: ['archived'], events: ['ticket.archived'] });

      expect((await t.list(tenant.adminToken, `tag=${tag}`).expect(200)).body.data).toEqual([]);
      expect((await t.list(opsAgentA.token, `tag=${tag}`).expect(200)).body.data).toEqual([]);
      expect((await t.list(tenant.adminToken, `tag=${tag}&archived=true`).expect(200)).body.data.map((x: { id: string }) => x.id)).toEqual([ticket.id]);
      expect((await t.list(opsAgentA.token, `tag=${tag}&archived=true`).expect(200)).body.data.map((x: { id: string }) => x.id)).toEqual([ticket.id]);
      // Archived tickets stay visible to those who may see them.
      expect((await t.list(opsAgentB.token, `tag=${tag}&archived=true`).expect(200)).body.data).toEqual([]);
      const read = await t.get(tenant.adminToken, ticket.id).expect(200);
      expect(read.body).toMatchObject({ archived: true, version: 2 });

      // Archiving again is a no-op.
      const again = await recordsWritten(api, ticket.id, () => t.archive(tenant.adminToken, ticket.id).expect(204));
      expect(again.written).toEqual({ audit: [], events: [] });
    });
  });

  it('records exactly one audit row and the listed events for each kind of change across a ticket’s life', async () => {
    const ticket = await newTicket(api, tenant.adminToken, { requester_id: requester.id });
    await t.patch(tenant.adminToken, ticket.id, { title: 'Lifecycle' }, 1).expect(200);
    await t.patch(tenant.adminToken, ticket.id, { status: 'in_progress' }, 2).expect(200);
    await t.assign(tenant.adminToken, ticket.id, { team_id: teamA, assignee_id: opsAgentA.id, reason: 'Route' }).expect(200);
    await t.postMessage(opsAgentA.token, ticket.id, { body: 'On it' }).expect(201);
    await t.addWatcher(hqSupport.token, ticket.id).expect(201);
    // The first public reply stamped first_responded_at: version 4 became 5.
    expect(await currentVersion(api, ticket.id)).toBe(5);
    await t.patch(opsAgentA.token, ticket.id, { status: 'resolved', resolution_summary: 'Fixed' }, 5).expect(200);
    await t.archive(tenant.adminToken, ticket.id).expect(204);
    expect(await recordsOf(api, ticket.id)).toEqual({
      audit: ['created', 'updated', 'updated', 'assigned', 'message_added', 'watcher_added', 'updated', 'archived'],
      events: [
        'ticket.created',
        'ticket.updated',
        'ticket.updated',
        'ticket.status_changed',
        'ticket.assigned',
        'message.created',
        'ticket.first_responded',
        'watcher.added',
        'ticket.updated',
        'ticket.status_changed',
        'ticket.resolved',
        'ticket.archived',
      ],
    });
  });
});
