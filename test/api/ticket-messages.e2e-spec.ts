import { createTenant, createUser, dataSourceOf, expectProblem, fieldsOf, ISO, RunningApp, startApi, TestTenant, TestUser, UUID_RE } from '@helpdesk/testing';
import {
  API_OVERRIDES,
  createTeam,
  expectFailsWithoutRecords,
  newTicket,
  outboxPayloads,
  recordsWritten,
  sleep,
  ticketRow,
  ticketsApi,
  TicketsApi,
  UNKNOWN_ID,
} from './tickets-fixtures';

describe('ticket messages: public replies and internal notes', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let other: TestTenant;
  let teamA: string;
  let requester: TestUser;
  let otherRequester: TestUser;
  let agentA: TestUser;
  let agentA2: TestUser;
  let agentB: TestUser;
  let ceo: TestUser;
  let auditor: TestUser;

  const messageCount = async (ticketId: string) =>
    (await dataSourceOf(api).query('SELECT count(*)::int AS n FROM ticket_messages WHERE ticket_id = $1', [ticketId]))[0].n;
  /** A ticket of team A raised by `requester`. */
  const teamTicket = (body: object = {}) => newTicket(api, tenant.adminToken, { team_id: teamA, requester_id: requester.id, ...body });
  const bodies = (response: { body: { data: Array<{ body: string }> } }) => response.body.data.map((m) => m.body);

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    other = await createTenant(api);
    teamA = await createTeam(api, tenant, 'A');
    const teamB = await createTeam(api, tenant, 'B');
    [requester, otherRequester, agentA, agentA2, agentB, ceo, auditor] = await Promise.all([
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamB] }),
      createUser(api, tenant, 'ceo_oncall'),
      createUser(api, tenant, 'auditor'),
    ]);
  });
  afterAll(() => api.close());

  it('adds a public reply (201): the first one by an agent is the first response, stamped once', async () => {
    const ticket = await teamTicket();
    const first = await recordsWritten(api, ticket.id, () => t.postMessage(agentA.token, ticket.id, { body: 'We are looking into it.' }));
    expect(first.result.status).toBe(201);
    const message = first.result.body;
    expect(message).toMatchObject({
      id: expect.stringMatching(UUID_RE),
      ticket_id: ticket.id,
      author_id: agentA.id,
      body: 'We are looking into it.',
      internal: false,
      attachment_ids: [],
      created_at: ISO,
    });
    expect(first.written).toEqual({ audit: ['message_added'], events: ['message.created', 'ticket.first_responded'] });
    expect((await outboxPayloads(api, ticket.id, 'message.created'))[0]).toMatchObject({ message_id: message.id, internal: false, by_requester: false });
    expect((await outboxPayloads(api, ticket.id, 'ticket.first_responded'))[0]).toMatchObject({ late: false });
    const afterFirst = await ticketRow(api, ticket.id);
    expect(afterFirst.first_responded_at.toISOString()).toBe(message.created_at);
    expect(afterFirst.version).toBe(2);
    const [audit] = await dataSourceOf(api).query("SELECT changes FROM ticket_audit WHERE ticket_id = $1 AND action = 'message_added'", [ticket.id]);
    expect(audit.changes).toMatchObject({ message_id: message.id, internal: false, first_responded_at: { old: null, new: message.created_at } });

    await sleep(5);
    const second = await recordsWritten(api, ticket.id, () => t.postMessage(agentA2.token, ticket.id, { body: 'Still on it.' }).expect(201));
    expect(second.written).toEqual({ audit: ['message_added'], events: ['message.created'] });
    const afterSecond = await ticketRow(api, ticket.id);
    expect(afterSecond.first_responded_at.toISOString()).toBe(message.created_at);
    expect(afterSecond.version).toBe(2);
  });

  it('does not count internal notes or the requester’s own replies as the first response', async () => {
    const ticket = await teamTicket();
    const note = await recordsWritten(api, ticket.id, () => t.postMessage(agentA.token, ticket.id, { body: 'Customer is VIP', internal: true }));
    expect(note.result.status).toBe(201);
    expect(note.result.body).toMatchObject({ internal: true, author_id: agentA.id });
    expect(note.written).toEqual({ audit: ['message_added'], events: ['message.created'] });
    const byRequester = await recordsWritten(api, ticket.id, () => t.postMessage(requester.token, ticket.id, { body: 'Any news?' }));
    expect(byRequester.result.status).toBe(201);
    expect(byRequester.written).toEqual({ audit: ['message_added'], events: ['message.created'] });
    expect((await outboxPayloads(api, ticket.id, 'message.created'))[1]).toMatchObject({ by_requester: true, internal: false });
    const row = await ticketRow(api, ticket.id);
    expect(row.first_responded_at).toBeNull();
    expect(row.version).toBe(1);
    // The next public agent reply is the first response.
    const reply = await t.postMessage(agentA.token, ticket.id, { body: 'Here is the fix' }).expect(201);
    expect((await ticketRow(api, ticket.id)).first_responded_at.toISOString()).toBe(reply.body.created_at);
  });

  it('refuses an internal note from a requester (403) and stores nothing', async () => {
    const ticket = await teamTicket();
    const before = await messageCount(ticket.id);
    await expectFailsWithoutRecords(api, ticket.id, 403, () => t.postMessage(requester.token, ticket.id, { body: 'Sneaky note', internal: true }), 'forbidden');
    expect(await messageCount(ticket.id)).toBe(before);
  });

  it('lists messages oldest first: agents see notes and replies, the requester only public replies', async () => {
    const ticket = await teamTicket();
    const posts: Array<[TestUser, string, boolean]> = [
      [requester, 'r1: my printer is on fire', false],
      [agentA, 'n1: escalate to facilities', true],
      [agentA, 'p1: please step away from the printer', false],
      [ceo, 'n2: keep me posted', true],
      [requester, 'r2: done', false],
    ];
    for (const [user, body, internal] of posts) {
      await t.postMessage(user.token, ticket.id, { body, internal }).expect(201);
      await sleep(3); // distinct created_at instants, so that "oldest first" has one answer
    }

    const all = ['r1: my printer is on fire', 'n1: escalate to facilities', 'p1: please step away from the printer', 'n2: keep me posted', 'r2: done'];
    for (const user of [agentA, agentA2, ceo, auditor]) {
      const response = await t.messages(user.token, ticket.id).expect(200);
      expect(bodies(response)).toEqual(all);
      expect(response.body.next_cursor).toBeNull();
    }
    expect(bodies(await t.messages(tenant.adminToken, ticket.id).expect(200))).toEqual(all);
    const mine = await t.messages(requester.token, ticket.id).expect(200);
    expect(bodies(mine)).toEqual(['r1: my printer is on fire', 'p1: please step away from the printer', 'r2: done']);
    expect(mine.body.data.every((m: { internal: boolean }) => m.internal === false)).toBe(true);

    // Keyset pages, the requester's as well: the filter applies before the page is cut.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ body: string }>; next_cursor: string | null } } = await t
        .messages(requester.token, ticket.id, `limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((m) => m.body));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['r1: my printer is on fire', 'p1: please step away from the printer', 'r2: done']);
    const agentPage = await t.messages(agentA.token, ticket.id, 'limit=2').expect(200);
    expect(bodies(agentPage)).toEqual(all.slice(0, 2));
    expect(bodies(await t.messages(agentA.token, ticket.id, `limit=2&cursor=${agentPage.body.next_cursor}`).expect(200))).toEqual(all.slice(2, 4));
    expectProblem(await t.messages(agentA.token, ticket.id, 'cursor=bogus'), 422, 'validation_failed');
  });

  it('moves an awaiting_customer ticket back to open on a requester reply, resuming the clock', async () => {
    const ticket = await teamTicket({ priority: 'high' });
    await t.patch(agentA.token, ticket.id, { status: 'awaiting_customer' }, 1).expect(200);
    // An agent's reply (or note) does not end the wait.
    await t.postMessage(agentA.token, ticket.id, { body: 'Can you send a screenshot?' }).expect(201);
    await t.postMessage(agentA.token, ticket.id, { body: 'waiting on them', internal: true }).expect(201);
    const waiting = await ticketRow(api, ticket.id);
    expect(waiting).toMatchObject({ status: 'awaiting_customer', sla_state: 'paused' });
    expect(waiting.sla_paused_at).not.toBeNull();

    await sleep(20);
    const { result, written } = await recordsWritten(api, ticket.id, () => t.postMessage(requester.token, ticket.id, { body: 'Here it is' }));
    expect(result.status).toBe(201);
    expect(written).toEqual({ audit: ['message_added'], events: ['message.created', 'ticket.status_changed'] });
    expect((await outboxPayloads(api, ticket.id, 'ticket.status_changed')).at(-1)).toMatchObject({
      from: 'awaiting_customer',
      to: 'open',
      reason: 'requester_replied',
    });
    const reopened = await ticketRow(api, ticket.id);
    expect(reopened).toMatchObject({ status: 'open', sla_state: 'on_track', sla_paused_at: null, version: waiting.version + 1 });
    const pausedMs = new Date(result.body.created_at).getTime() - waiting.sla_paused_at.getTime();
    expect(pausedMs).toBeGreaterThan(0);
    expect(Math.round(Number(reopened.sla_paused_seconds) * 1000)).toBe(pausedMs);
    expect(reopened.resolution_due_at.getTime() - waiting.resolution_due_at.getTime()).toBe(pausedMs);
    // The requester sees the new status; the ETag moved with it.
    const view = await t.get(requester.token, ticket.id).expect(200);
    expect(view.body.status).toBe('open');
    expect(view.headers.etag).toBe(`"${reopened.version}"`);

    // awaiting_third_party too; an open ticket stays as it is.
    const third = await teamTicket();
    await t.patch(agentA.token, third.id, { status: 'awaiting_third_party' }, 1).expect(200);
    await t.postMessage(requester.token, third.id, { body: 'Any update from the vendor?' }).expect(201);
    expect((await ticketRow(api, third.id)).status).toBe('open');
    const open = await recordsWritten(api, third.id, () => t.postMessage(requester.token, third.id, { body: 'hello?' }).expect(201));
    expect(open.written).toEqual({ audit: ['message_added'], events: ['message.created'] });
  });

  it('answers 404 for messages on a ticket the caller cannot read, of another tenant, or unknown', async () => {
    const ticket = await teamTicket();
    const foreign = await newTicket(api, other.adminToken);
    for (const user of [agentB, otherRequester]) {
      await expectFailsWithoutRecords(api, ticket.id, 404, () => t.postMessage(user.token, ticket.id, { body: 'hello' }), 'not_found');
      expectProblem(await t.messages(user.token, ticket.id), 404, 'not_found');
    }
    await expectFailsWithoutRecords(api, foreign.id, 404, () => t.postMessage(tenant.adminToken, foreign.id, { body: 'hello' }), 'not_found');
    expectProblem(await t.messages(tenant.adminToken, foreign.id), 404, 'not_found');
    expectProblem(await t.postMessage(tenant.adminToken, UNKNOWN_ID, { body: 'hello' }), 404, 'not_found');
    expectProblem(await t.messages(tenant.adminToken, 'not-a-uuid'), 404, 'not_found');
    expect(await messageCount(ticket.id)).toBe(0);
  });

  it('refuses to write for a read-only role (auditor: 403) and lets ceo_oncall write', async () => {
    const ticket = await teamTicket();
    await expectFailsWithoutRecords(api, ticket.id, 403, () => t.postMessage(auditor.token, ticket.id, { body: 'I only read' }), 'forbidden');
    await expectFailsWithoutRecords(api, ticket.id, 403, () => t.postMessage(auditor.token, ticket.id, { body: 'I only read', internal: true }), 'forbidden');
    await t.postMessage(ceo.token, ticket.id, { body: 'Top priority', internal: true }).expect(201);
    expect(await messageCount(ticket.id)).toBe(1);
  });

  it('validates the body (422) and writes nothing', async () => {
    const ticket = await teamTicket();
    for (const [body, fields] of [
      [{}, ['body']],
      [{ body: '' }, ['body']],
      [{ body: 'x'.repeat(50001) }, ['body']],
      [{ body: 'ok', internal: 'yes' }, ['internal']],
      [{ body: 'ok', author_id: agentA.id }, ['author_id']],
    ] as const) {
      const response = await expectFailsWithoutRecords(api, ticket.id, 422, () => t.postMessage(agentA.token, ticket.id, body), 'validation_failed');
      expect(fieldsOf(response)).toEqual(fields);
    }
    expect(await messageCount(ticket.id)).toBe(0);
  });

  it('refuses messages on an archived ticket (409) and writes nothing', async () => {
    const ticket = await teamTicket();
    await t.archive(tenant.adminToken, ticket.id).expect(204);
    await expectFailsWithoutRecords(api, ticket.id, 409, () => t.postMessage(agentA.token, ticket.id, { body: 'too late' }), 'conflict');
    expect(await messageCount(ticket.id)).toBe(0);
  });
});
