import {
  adminIdOf,
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
import { API_OVERRIDES, createTeam, newTicket, ticketsApi, TicketsApi, UNKNOWN_ID } from './tickets-fixtures';

describe('ticket audit trail: pages, hash chain, tamper evidence', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let other: TestTenant;
  let adminId: string;
  let teamA: string;
  let requester: TestUser;
  let agentA: TestUser;
  let agentB: TestUser;
  let managerA: TestUser;
  let hq: TestUser;
  let regional: TestUser;
  let ceo: TestUser;
  let auditor: TestUser;
  let finance: TestUser;

  /** The admin's whole trail of a ticket, following next_cursor with the given page size. */
  async function fullTrail(ticketId: string, limit: number, token = tenant.adminToken): Promise<Array<Record<string, any>>> {
    const rows: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { data: Array<Record<string, any>>; next_cursor: string | null } } = await t
        .audit(token, ticketId, `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(page.body.data.length).toBeLessThanOrEqual(limit);
      rows.push(...page.body.data);
      cursor = page.body.next_cursor;
      expect(++pages).toBeLessThan(50);
    } while (cursor);
    return rows;
  }

  /** Rewrites one audit row the way an attacker with database access would: past the append-only trigger. */
  async function tamper(sql: string, params: unknown[]): Promise<void> {
    await dataSourceOf(api).transaction(async (manager) => {
      await manager.query('ALTER TABLE ticket_audit DISABLE TRIGGER ticket_audit_no_update_delete');
      await manager.query(sql, params);
      await manager.query('ALTER TABLE ticket_audit ENABLE TRIGGER ticket_audit_no_update_delete');
    });
  }

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    other = await createTenant(api);
    adminId = await adminIdOf(api, tenant);
    teamA = await createTeam(api, tenant, 'A');
    const teamB = await createTeam(api, tenant, 'B');
    [requester, agentA, agentB, managerA, hq, regional, ceo, auditor, finance] = await Promise.all([
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamB] }),
      createUser(api, tenant, 'ops_manager', { team_ids: [teamA] }),
      createUser(api, tenant, 'hq_support'),
      createUser(api, tenant, 'regional_manager', { region: 'north' }),
      createUser(api, tenant, 'ceo_oncall'),
      createUser(api, tenant, 'auditor'),
      createUser(api, tenant, 'finance'),
    ]);
  });
  afterAll(() => api.close());

  it('pages through who did what (old and new values), from which address, when; every page size gives the same trail', async () => {
    const ticket = await newTicket(api, tenant.adminToken, { title: 'Audited', team_id: teamA, requester_id: requester.id, priority: 'low' });
    const patch = await t.patch(agentA.token, ticket.id, { title: 'Audited, renamed' }, 1).set('x-request-id', 'audit-trace-1').expect(200);
    await t.patch(agentA.token, ticket.id, { status: 'in_progress' }, 2).expect(200);
    await t.assign(managerA.token, ticket.id, { assignee_id: agentA.id, reason: 'Skills' }).expect(200);
    const message = await t.postMessage(agentA.token, ticket.id, { body: 'Working on it', internal: true }).expect(201);
    await t.addWatcher(hq.token, ticket.id).expect(201);
    await t.updateWatcher(hq.token, ticket.id, hq.id, { notify_push: true }).expect(200);
    await t.removeWatcher(hq.token, ticket.id, hq.id).expect(204);

    const trail = await fullTrail(ticket.id, 3);
    expect(trail.map((row) => row.action)).toEqual([
      'created',
      'updated',
      'updated',
      'assigned',
      'message_added',
      'watcher_added',
      'watcher_updated',
      'watcher_removed',
    ]);
    expect(trail.map((row) => row.actor_id)).toEqual([adminId, agentA.id, agentA.id, managerA.id, agentA.id, hq.id, hq.id, hq.id]);
    const seqs = trail.map((row) => Number(row.seq));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const row of trail) {
      expect(row).toMatchObject({
        id: expect.stringMatching(UUID_RE),
        ticket_id: ticket.id,
        tenant_id: tenant.id,
        actor_type: 'user',
        created_at: ISO,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(row.ip).toMatch(/127\.0\.0\.1$/);
    }
    expect(trail[0].changes).toMatchObject({ title: { old: null, new: 'Audited' }, priority: { old: null, new: 'low' }, status: { old: null, new: 'new' } });
    expect(trail[1].changes).toEqual({ title: { old: 'Audited', new: 'Audited, renamed' } });
    expect(trail[1].request_id).toBe(patch.headers['x-request-id']);
    expect(trail[1].request_id).toBe('audit-trace-1');
    expect(trail[2].changes).toMatchObject({ status: { old: 'new', new: 'in_progress' } });
    expect(trail[3].changes).toEqual({ assignee_id: { old: null, new: agentA.id }, reason: 'Skills' });
    expect(trail[4].changes).toMatchObject({ message_id: message.body.id, internal: true });
    expect(trail[5].changes).toEqual({ user_id: hq.id });
    expect(trail[1].created_at).toBe(patch.body.updated_at);

    // Page size does not change the trail.
    expect(await fullTrail(ticket.id, 1)).toEqual(trail);
    const whole = await t.audit(tenant.adminToken, ticket.id).expect(200);
    expect(whole.body).toEqual({ data: trail, next_cursor: null });
    const firstPage = await t.audit(tenant.adminToken, ticket.id, 'limit=5').expect(200);
    expect(firstPage.body.data).toEqual(trail.slice(0, 5));
    expect(firstPage.body.next_cursor).toEqual(expect.any(String));
  });

  it('answers 422 for a bad cursor or limit', async () => {
    const ticket = await newTicket(api, tenant.adminToken);
    for (const query of [
      'cursor=not-a-cursor',
      `cursor=${Buffer.from(JSON.stringify({ seq: -1 })).toString('base64url')}`,
      'limit=0',
      'limit=201',
      'limit=ten',
    ]) {
      const response = await t.audit(tenant.adminToken, ticket.id, query);
      expectProblem(response, 422, 'validation_failed');
      expect(fieldsOf(response)).toEqual([query.split('=')[0]]);
    }
  });

  it('verifies an intact chain, and reports the first rewritten row after tampering', async () => {
    const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA });
    await t.patch(tenant.adminToken, ticket.id, { title: 'Second' }, 1).expect(200);
    await t.patch(tenant.adminToken, ticket.id, { title: 'Third' }, 2).expect(200);
    await t.assign(tenant.adminToken, ticket.id, { assignee_id: agentA.id, reason: 'x' }).expect(200);
    const intact = await t.verify(tenant.adminToken, ticket.id).expect(200);
    expect(intact.body).toEqual({ intact: true, rows: 4, broken_at_seq: null, reason: null });

    const trail = await fullTrail(ticket.id, 10);
    const target = trail[1];
    await tamper("UPDATE ticket_audit SET changes = jsonb_set(changes, '{title,new}', '\"Something else\"') WHERE id = $1", [target.id]);
    const broken = await t.verify(tenant.adminToken, ticket.id).expect(200);
    expect(broken.body).toMatchObject({ intact: false, rows: 4, broken_at_seq: Number(target.seq), reason: expect.any(String) });
    // The read side shows the rewritten row as stored: verification is what catches it.
    expect((await fullTrail(ticket.id, 10))[1].changes.title.new).toBe('Something else');

    // The trigger is back on: the database refuses an UPDATE or DELETE as before.
    await expect(dataSourceOf(api).query("UPDATE ticket_audit SET action = 'x' WHERE id = $1", [target.id])).rejects.toThrow(/append-only/);
    await expect(dataSourceOf(api).query('DELETE FROM ticket_audit WHERE id = $1', [target.id])).rejects.toThrow(/append-only/);
  });

  it('notices a changed actor, a deleted row and a replaced hash', async () => {
    const make = async () => {
      const ticket = await newTicket(api, tenant.adminToken);
      await t.patch(tenant.adminToken, ticket.id, { title: 'v2' }, 1).expect(200);
      await t.patch(tenant.adminToken, ticket.id, { title: 'v3' }, 2).expect(200);
      return { ticket, trail: await fullTrail(ticket.id, 10) };
    };
    const actor = await make();
    await tamper('UPDATE ticket_audit SET actor_id = $2 WHERE id = $1', [actor.trail[2].id, agentA.id]);
    expect((await t.verify(tenant.adminToken, actor.ticket.id).expect(200)).body).toMatchObject({ intact: false, broken_at_seq: Number(actor.trail[2].seq) });

    const deleted = await make();
    await tamper('DELETE FROM ticket_audit WHERE id = $1', [deleted.trail[1].id]);
    expect((await t.verify(tenant.adminToken, deleted.ticket.id).expect(200)).body).toMatchObject({
      intact: false,
      rows: 2,
      broken_at_seq: Number(deleted.trail[2].seq),
    });

    // A replaced hash does not match its row's content.
    const rehashed = await make();
    await tamper("UPDATE ticket_audit SET hash = repeat('0', 64) WHERE id = $1", [rehashed.trail[0].id]);
    expect((await t.verify(tenant.adminToken, rehashed.ticket.id).expect(200)).body).toMatchObject({
      intact: false,
      broken_at_seq: Number(rehashed.trail[0].seq),
    });
  });

  it('is readable by roles with read on Audit that can see the ticket; 403 for the others (ops_agent, requester, finance), 404 for an unseen ticket', async () => {
    const ticket = await newTicket(api, tenant.adminToken, { team_id: teamA, requester_id: requester.id, region: 'north' });
    for (const user of [managerA, hq, regional, ceo, auditor]) {
      const trail = await t.audit(user.token, ticket.id).expect(200);
      expect(trail.body.data.map((row: { action: string }) => row.action)).toEqual(['created']);
      expect((await t.verify(user.token, ticket.id).expect(200)).body.intact).toBe(true);
    }
    for (const user of [agentA, requester]) {
      await t.get(user.token, ticket.id).expect(200);
      expectProblem(await t.audit(user.token, ticket.id), 403, 'forbidden');
      expectProblem(await t.verify(user.token, ticket.id), 403, 'forbidden');
    }
    const payment = await newTicket(api, tenant.adminToken, { linked_type: 'payment', linked_id: 'p-1' });
    await t.get(finance.token, payment.id).expect(200);
    expectProblem(await t.audit(finance.token, payment.id), 403, 'forbidden');

    for (const user of [agentB, finance]) {
      expectProblem(await t.audit(user.token, ticket.id), 404, 'not_found');
      expectProblem(await t.verify(user.token, ticket.id), 404, 'not_found');
    }
    const foreign = await newTicket(api, other.adminToken);
    expectProblem(await t.audit(tenant.adminToken, foreign.id), 404, 'not_found');
    expectProblem(await t.verify(tenant.adminToken, foreign.id), 404, 'not_found');
    expectProblem(await t.audit(tenant.adminToken, UNKNOWN_ID), 404, 'not_found');
    expectProblem(await t.verify(tenant.adminToken, 'nope'), 404, 'not_found');
  });

  it('keeps the trail of an archived ticket, archive row included, and its chain intact', async () => {
    const ticket = await newTicket(api, tenant.adminToken, { is_sensitive: true });
    await t.get(hq.token, ticket.id).expect(200);
    await t.archive(tenant.adminToken, ticket.id).expect(204);
    const trail = await fullTrail(ticket.id, 2, auditor.token);
    expect(trail.map((row) => [row.action, row.actor_id])).toEqual([
      ['created', adminId],
      ['viewed', hq.id],
      ['archived', adminId],
    ]);
    expect(trail[2].changes).toEqual({ archived: { old: false, new: true } });
    expect((await t.verify(auditor.token, ticket.id).expect(200)).body).toEqual({ intact: true, rows: 3, broken_at_seq: null, reason: null });
  });
});
