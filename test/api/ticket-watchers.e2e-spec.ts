import { adminIdOf, createTenant, createUser, dataSourceOf, expectProblem, fieldsOf, ISO, RunningApp, startApi, TestTenant, TestUser } from '@helpdesk/testing';
import {
  API_OVERRIDES,
  createTeam,
  expectFailsWithoutRecords,
  newTicket,
  outboxPayloads,
  recordsWritten,
  ticketsApi,
  TicketsApi,
  UNKNOWN_ID,
} from './tickets-fixtures';

describe('ticket watchers', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let other: TestTenant;
  let adminId: string;
  let teamA: string;
  let requester: TestUser;
  let otherRequester: TestUser;
  let agentA: TestUser;
  let agentA2: TestUser;
  let agentB: TestUser;
  let hq: TestUser;
  let ceo: TestUser;
  let auditor: TestUser;

  const teamTicket = (body: object = {}) => newTicket(api, tenant.adminToken, { team_id: teamA, requester_id: requester.id, ...body });
  const watcherRows = async (ticketId: string) =>
    dataSourceOf(api).query('SELECT user_id, notify_email, notify_push, notify_sms FROM ticket_watchers WHERE ticket_id = $1 ORDER BY user_id', [ticketId]);
  const userIds = (response: { body: { data: Array<{ user_id: string }> } }) => response.body.data.map((w) => w.user_id).sort();

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    other = await createTenant(api);
    adminId = await adminIdOf(api, tenant);
    teamA = await createTeam(api, tenant, 'A');
    const teamB = await createTeam(api, tenant, 'B');
    [requester, otherRequester, agentA, agentA2, agentB, hq, ceo, auditor] = await Promise.all([
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamB] }),
      createUser(api, tenant, 'hq_support'),
      createUser(api, tenant, 'ceo_oncall'),
      createUser(api, tenant, 'auditor'),
    ]);
  });
  afterAll(() => api.close());

  it('makes the requester and the assignee watchers, with the default preferences (email only)', async () => {
    const ticket = await teamTicket({ assignee_id: agentA.id });
    const response = await t.watchers(tenant.adminToken, ticket.id).expect(200);
    expect(userIds(response)).toEqual([requester.id, agentA.id].sort());
    for (const watcher of response.body.data) {
      expect(watcher).toMatchObject({ ticket_id: ticket.id, notify_email: true, notify_push: false, notify_sms: false, created_at: ISO });
    }
    // Assigning later makes the new assignee a watcher too (once).
    await t.assign(tenant.adminToken, ticket.id, { assignee_id: agentA2.id, reason: 'handover' }).expect(200);
    await t.assign(tenant.adminToken, ticket.id, { assignee_id: agentA.id, reason: 'back' }).expect(200);
    expect(userIds(await t.watchers(tenant.adminToken, ticket.id).expect(200))).toEqual([requester.id, agentA.id, agentA2.id].sort());
  });

  it('adds the caller by default (201), with the preferences given, and records watcher_added / watcher.added', async () => {
    const ticket = await teamTicket();
    const self = await recordsWritten(api, ticket.id, () => t.addWatcher(agentA.token, ticket.id));
    expect(self.result.status).toBe(201);
    expect(self.result.body).toMatchObject({ ticket_id: ticket.id, user_id: agentA.id, notify_email: true, notify_push: false, notify_sms: false });
    expect(self.written).toEqual({ audit: ['watcher_added'], events: ['watcher.added'] });
    expect((await outboxPayloads(api, ticket.id, 'watcher.added'))[0]).toMatchObject({
      ticket_id: ticket.id,
      user_id: agentA.id,
      actor: { actor_id: agentA.id },
    });

    const withPrefs = await t.addWatcher(hq.token, ticket.id, { notify_email: false, notify_push: true }).expect(201);
    expect(withPrefs.body).toMatchObject({ user_id: hq.id, notify_email: false, notify_push: true, notify_sms: false });
    expect(await watcherRows(ticket.id)).toEqual(
      [
        { user_id: requester.id, notify_email: true, notify_push: false, notify_sms: false },
        { user_id: agentA.id, notify_email: true, notify_push: false, notify_sms: false },
        { user_id: hq.id, notify_email: false, notify_push: true, notify_sms: false },
      ].sort((a, b) => (a.user_id < b.user_id ? -1 : 1)),
    );
  });

  it('lets an admin (or agent) add another user who can see the ticket; 422 for one who cannot, or no user at all', async () => {
    const ticket = await teamTicket();
    const added = await recordsWritten(api, ticket.id, () => t.addWatcher(tenant.adminToken, ticket.id, { user_id: agentA2.id, notify_sms: true }));
    expect(added.result.status).toBe(201);
    expect(added.result.body).toMatchObject({ user_id: agentA2.id, notify_sms: true });
    expect(added.written).toEqual({ audit: ['watcher_added'], events: ['watcher.added'] });
    await t.addWatcher(agentA.token, ticket.id, { user_id: hq.id }).expect(201);

    for (const userId of [agentB.id, otherRequester.id, UNKNOWN_ID]) {
      const response = await expectFailsWithoutRecords(
        api,
        ticket.id,
        422,
        () => t.addWatcher(tenant.adminToken, ticket.id, { user_id: userId }),
        'validation_failed',
      );
      expect(fieldsOf(response)).toEqual(['user_id']);
    }
    const malformed = await expectFailsWithoutRecords(
      api,
      ticket.id,
      422,
      () => t.addWatcher(tenant.adminToken, ticket.id, { user_id: 'me', notify_email: 'yes' }),
      'validation_failed',
    );
    expect(fieldsOf(malformed)).toEqual(['notify_email', 'user_id']);
  });

  it('answers 409 for a duplicate watcher and writes nothing', async () => {
    const ticket = await teamTicket();
    await t.addWatcher(agentA.token, ticket.id).expect(201);
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.addWatcher(agentA.token, ticket.id), 'conflict');
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.addWatcher(tenant.adminToken, ticket.id, { user_id: agentA.id }), 'conflict');
    // The requester already watches their own ticket.
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.addWatcher(requester.token, ticket.id), 'conflict');
  });

  it('lets a requester watch only as themself (403 for others), and shows them only their own row', async () => {
    const ticket = await teamTicket();
    await t.addWatcher(agentA.token, ticket.id).expect(201);
    await expectFailsWithoutRecords(api, ticket.id, 403, () => t.addWatcher(requester.token, ticket.id, { user_id: agentA2.id }), 'forbidden');
    await expectFailsWithoutRecords(api, ticket.id, 403, () => t.updateWatcher(requester.token, ticket.id, agentA.id, { notify_sms: true }), 'forbidden');
    await expectFailsWithoutRecords(api, ticket.id, 403, () => t.removeWatcher(requester.token, ticket.id, agentA.id), 'forbidden');

    const mine = await t.watchers(requester.token, ticket.id).expect(200);
    expect(mine.body.data).toHaveLength(1);
    expect(mine.body.data[0]).toMatchObject({ user_id: requester.id });
    expect(userIds(await t.watchers(agentA.token, ticket.id).expect(200))).toEqual([requester.id, agentA.id].sort());

    // Their own row is theirs to change and drop, and to add back.
    const prefs = await t.updateWatcher(requester.token, ticket.id, requester.id, { notify_email: false, notify_push: true }).expect(200);
    expect(prefs.body).toMatchObject({ user_id: requester.id, notify_email: false, notify_push: true, notify_sms: false });
    await t.removeWatcher(requester.token, ticket.id, requester.id).expect(204);
    expect((await t.watchers(requester.token, ticket.id).expect(200)).body.data).toEqual([]);
    const back = await t.addWatcher(requester.token, ticket.id, { notify_sms: true }).expect(201);
    expect(back.body).toMatchObject({ user_id: requester.id, notify_sms: true });
  });

  it('updates preferences (200, only the fields sent) and records watcher_updated / watcher.updated; 404 for a non-watcher', async () => {
    const ticket = await teamTicket();
    await t.addWatcher(agentA.token, ticket.id, { notify_push: true }).expect(201);
    const { result, written } = await recordsWritten(api, ticket.id, () => t.updateWatcher(agentA.token, ticket.id, agentA.id, { notify_sms: true }));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ user_id: agentA.id, notify_email: true, notify_push: true, notify_sms: true });
    expect(written).toEqual({ audit: ['watcher_updated'], events: ['watcher.updated'] });
    const [audit] = await dataSourceOf(api).query("SELECT changes FROM ticket_audit WHERE ticket_id = $1 AND action = 'watcher_updated'", [ticket.id]);
    expect(audit.changes).toEqual({ user_id: agentA.id, notify_sms: true });
    // An admin may change another user's preferences.
    const byAdmin = await t.updateWatcher(tenant.adminToken, ticket.id, agentA.id, { notify_email: false }).expect(200);
    expect(byAdmin.body).toMatchObject({ notify_email: false, notify_push: true, notify_sms: true });

    await expectFailsWithoutRecords(api, ticket.id, 404, () => t.updateWatcher(agentA.token, ticket.id, agentA2.id, { notify_sms: true }), 'not_found');
    await expectFailsWithoutRecords(api, ticket.id, 422, () => t.updateWatcher(agentA.token, ticket.id, agentA.id, { notify_sms: 'on' }), 'validation_failed');
    expectProblem(await t.updateWatcher(agentA.token, ticket.id, 'not-a-uuid', { notify_sms: true }), 404, 'not_found');
  });

  it('removes a watcher (204) and records watcher_removed / watcher.removed; removing again is 404', async () => {
    const ticket = await teamTicket();
    await t.addWatcher(tenant.adminToken, ticket.id, { user_id: agentA.id }).expect(201);
    const { result, written } = await recordsWritten(api, ticket.id, () => t.removeWatcher(agentA2.token, ticket.id, agentA.id));
    expect(result.status).toBe(204);
    expect(result.text).toBe('');
    expect(written).toEqual({ audit: ['watcher_removed'], events: ['watcher.removed'] });
    expect((await outboxPayloads(api, ticket.id, 'watcher.removed'))[0]).toMatchObject({ user_id: agentA.id });
    expect((await watcherRows(ticket.id)).map((w: { user_id: string }) => w.user_id)).toEqual([requester.id]);
    await expectFailsWithoutRecords(api, ticket.id, 404, () => t.removeWatcher(agentA2.token, ticket.id, agentA.id), 'not_found');
  });

  it('refuses watcher changes to read-only roles (ceo_oncall, auditor: 403) while letting them list', async () => {
    const ticket = await teamTicket();
    for (const user of [ceo, auditor]) {
      await expectFailsWithoutRecords(api, ticket.id, 403, () => t.addWatcher(user.token, ticket.id), 'forbidden');
      await expectFailsWithoutRecords(api, ticket.id, 403, () => t.updateWatcher(user.token, ticket.id, requester.id, { notify_sms: true }), 'forbidden');
      await expectFailsWithoutRecords(api, ticket.id, 403, () => t.removeWatcher(user.token, ticket.id, requester.id), 'forbidden');
      expect(userIds(await t.watchers(user.token, ticket.id).expect(200))).toEqual([requester.id]);
    }
  });

  it('answers 404 for the watchers of a ticket the caller cannot read, of another tenant, or unknown', async () => {
    const ticket = await teamTicket();
    const foreign = await newTicket(api, other.adminToken);
    for (const user of [agentB, otherRequester]) {
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.addWatcher(user.token, ticket.id), 'not_found');
      expectProblem(await t.watchers(user.token, ticket.id), 404, 'not_found');
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.updateWatcher(user.token, ticket.id, requester.id, { notify_sms: true }), 'not_found');
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.removeWatcher(user.token, ticket.id, requester.id), 'not_found');
    }
    expectProblem(await t.watchers(tenant.adminToken, foreign.id), 404, 'not_found');
    expectProblem(await t.addWatcher(tenant.adminToken, foreign.id), 404, 'not_found');
    expectProblem(await t.addWatcher(tenant.adminToken, UNKNOWN_ID), 404, 'not_found');
    expect((await watcherRows(foreign.id)).map((w: { user_id: string }) => w.user_id)).not.toContain(adminId);
  });

  it('refuses watcher changes on an archived ticket (409) and writes nothing', async () => {
    const ticket = await teamTicket();
    await t.archive(tenant.adminToken, ticket.id).expect(204);
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.addWatcher(tenant.adminToken, ticket.id, { user_id: agentA.id }), 'conflict');
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.updateWatcher(tenant.adminToken, ticket.id, requester.id, { notify_sms: true }), 'conflict');
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.removeWatcher(tenant.adminToken, ticket.id, requester.id), 'conflict');
    expect((await watcherRows(ticket.id)).map((w: { user_id: string }) => w.user_id)).toEqual([requester.id]);
  });
});
