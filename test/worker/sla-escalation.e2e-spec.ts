/**
 * SLA monitoring and escalation end to end: the real api and an in-process worker against the run's
 * PostgreSQL and Redis. Time is controlled by SLA windows of a few seconds (fractional minutes in
 * the tenant's policy), never by fake timers; every wait is a bounded poll that fails clearly.
 *
 * The api and the worker share a Redis prefix of their own, so that the delayed checks the api
 * enqueues reach this worker, and so that other suites' workers (same database, other prefix)
 * cannot reconfigure this worker's sweep. Other workers may still sweep these tickets (the
 * database is shared): the SLA use cases must stay exactly-once under that, which is asserted.
 */
import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, RunningApp, startApi, startWorker, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES, newTicket, ticketsApi, TicketsApi } from '../api/tickets-fixtures';
import { assertStillBefore, countBy, dedicatedPrefix, putPolicy, sleep, sleepUntil, slaRows, waitFor } from './sla-support';

jest.setTimeout(90_000);

const SECOND = 1 / 60; // in minutes
const CHAIN3 = ['ops_agent', 'ops_manager', 'hq_support'];
const CHAIN4 = ['ops_agent', 'ops_manager', 'regional_manager', 'hq_support'];
/**
 * The worker's sweep period (2 s). SLA_TEST_SWEEP_SECONDS=600 runs the suite on the delayed
 * per-ticket checks alone, without the safety net (they must pass that way too).
 */
const SWEEP_SECONDS = Number(process.env.SLA_TEST_SWEEP_SECONDS ?? 2);
/** Waits "past an instant" add this: more than one default sweep period. */
const SETTLE_MS = 3500;

/** What every SLA event's payload starts with: the worker acts as the system (ADR 0009). */
function systemEnvelope(tenantId: string, ticketId: string) {
  return { payload_version: 1, tenant_id: tenantId, ticket_id: ticketId, actor: { actor_type: 'system', actor_id: null } };
}

describe('SLA worker: near-breach, breach and escalation (api + worker)', () => {
  const prefix = dedicatedPrefix('sla-esc');
  let api: RunningApp;
  let worker: RunningApp;
  let t: TicketsApi;
  const db = () => dataSourceOf(api);
  const rows = slaRows(db);

  beforeAll(async () => {
    api = await startApi({ ...API_OVERRIDES, REDIS_PREFIX: prefix });
    worker = await startWorker({ REDIS_PREFIX: prefix, SLA_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS), WORKER_CONCURRENCY: '4' });
    t = ticketsApi(api);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const getTicket = async (token: string, id: string) => {
    const response = await t.get(token, id);
    if (response.status !== 200) throw new Error(`GET /tickets/${id}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, any>;
  };
  const getSla = async (token: string, id: string) => {
    const response = await request(api.url)
      .get(`/api/v1/tickets/${id}/sla`)
      .set(...bearer(token));
    if (response.status !== 200) throw new Error(`GET /tickets/${id}/sla: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, any>;
  };
  const listIds = async (token: string, query: string): Promise<string[]> => {
    const response = await t.list(token, query);
    if (response.status !== 200) throw new Error(`GET /tickets?${query}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.data.map((ticket: { id: string }) => ticket.id);
  };
  const escalate = (token: string, id: string, body: object) =>
    request(api.url)
      .post(`/api/v1/tickets/${id}/escalate`)
      .set(...bearer(token))
      .send(body);
  const acknowledge = (token: string, id: string) =>
    request(api.url)
      .post(`/api/v1/tickets/${id}/escalation/acknowledge`)
      .set(...bearer(token))
      .send({});
  const deEscalate = (token: string, id: string, body: object) =>
    request(api.url)
      .post(`/api/v1/tickets/${id}/escalation/de-escalate`)
      .set(...bearer(token))
      .send(body);
  /** PATCH with If-Match on the ticket's current version (read first). */
  const patch = async (token: string, id: string, body: object) => {
    const { version } = await getTicket(token, id);
    const response = await t.patch(token, id, body, version);
    if (response.status !== 200) throw new Error(`PATCH /tickets/${id} ${JSON.stringify(body)}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, any>;
  };
  const level = async (id: string): Promise<number> => (await rows.ticket(id)).escalation_level;

  it('an unanswered ticket near-breaches, breaches and escalates through the whole chain, each event exactly once', async () => {
    const tenant = await createTenant(api);
    // First response due after 6 s, resolution after 12 s; the warning comes 3 s before each.
    await putPolicy(api, tenant, 'high', {
      first_response_minutes: 6 * SECOND,
      resolution_minutes: 12 * SECOND,
      near_breach_minutes: 3 * SECOND,
      escalation_chain: CHAIN3,
    });
    const created = await newTicket(api, tenant.adminToken, { priority: 'high' });
    const id = created.id as string;
    expect(created).toMatchObject({ escalation_level: 0, owner_role: 'ops_agent', sla_state: 'on_track' });
    const frDue = new Date(created.first_response_due_at);
    const resDue = new Date(created.resolution_due_at);
    expect(resDue.getTime() - frDue.getTime()).toBeGreaterThan(5000);

    // Near breach of the first response: visible in the list filter before the due instant.
    await sleepUntil(created.first_response_warn_at, 100);
    const nearBreach = await listIds(tenant.adminToken, 'sla_state=near_breach');
    const breached = await listIds(tenant.adminToken, 'sla_state=breached');
    assertStillBefore(frDue, 'reading the lists in the near-breach window');
    expect(nearBreach).toContain(id);
    expect(breached).not.toContain(id);
    // The list reads the state live from the stored instants; the worker's own record of the near breach is the outbox event.
    await waitFor(
      'the worker to record the first-response near breach (outbox sla.near_breach)',
      async () => (await rows.outbox(id, 'sla.near_breach')).length > 0,
      frDue.getTime() - Date.now() + 10_000,
    );
    expect(await rows.outbox(id, 'sla.near_breach')).toEqual([{ ...systemEnvelope(tenant.id, id), target: 'first_response', due_at: frDue.toISOString() }]);

    // First-response breach: breached state, level 0 → 1, owner follows the chain.
    await waitFor('the first-response breach to escalate the ticket to level 1', async () => (await level(id)) >= 1, frDue.getTime() - Date.now() + 10_000);
    expect(await listIds(tenant.adminToken, 'sla_state=breached')).toContain(id);
    expect(await listIds(tenant.adminToken, 'sla_state=near_breach')).not.toContain(id);
    expect(await getTicket(tenant.adminToken, id)).toMatchObject({ escalation_level: 1, owner_role: 'ops_manager', sla_state: 'breached' });

    // Resolution breach: level 1 → 2 (the end of the chain).
    await waitFor('the resolution breach to escalate the ticket to level 2', async () => (await level(id)) >= 2, resDue.getTime() - Date.now() + 10_000);
    // Nothing more may happen: give the timers and a sweep or two the chance to do it twice.
    await sleep(SETTLE_MS);

    expect(await getTicket(tenant.adminToken, id)).toMatchObject({ escalation_level: 2, owner_role: 'hq_support', sla_state: 'breached' });
    expect(await listIds(tenant.adminToken, 'sla_state=breached')).toContain(id);

    // Outbox: each event exactly once.
    expect(await rows.outbox(id, 'sla.near_breach')).toEqual([
      { ...systemEnvelope(tenant.id, id), target: 'first_response', due_at: frDue.toISOString() },
      { ...systemEnvelope(tenant.id, id), target: 'resolution', due_at: resDue.toISOString() },
    ]);
    expect(await rows.outbox(id, 'sla.breached')).toEqual([
      { ...systemEnvelope(tenant.id, id), target: 'first_response', due_at: frDue.toISOString() },
      { ...systemEnvelope(tenant.id, id), target: 'resolution', due_at: resDue.toISOString() },
    ]);
    expect(await rows.outbox(id, 'ticket.escalated')).toEqual([
      expect.objectContaining({
        from_level: 0,
        to_level: 1,
        from_role: 'ops_agent',
        to_role: 'ops_manager',
        trigger: 'first_response_breach',
        chain_exhausted: false,
      }),
      expect.objectContaining({
        from_level: 1,
        to_level: 2,
        from_role: 'ops_manager',
        to_role: 'hq_support',
        trigger: 'resolution_breach',
        chain_exhausted: true,
      }),
    ]);
    expect(await rows.outbox(id, 'ticket.escalation_exhausted')).toEqual([]);

    // The escalation log: one row per level, keyed by the breach window.
    const escalations = await rows.escalations(id);
    expect(
      escalations.map(({ from_level, to_level, from_role, to_role, trigger, breach_key, chain_exhausted, actor_type }) => ({
        from_level,
        to_level,
        from_role,
        to_role,
        trigger,
        breach_key,
        chain_exhausted,
        actor_type,
      })),
    ).toEqual([
      {
        from_level: 0,
        to_level: 1,
        from_role: 'ops_agent',
        to_role: 'ops_manager',
        trigger: 'first_response_breach',
        breach_key: `first_response@${frDue.toISOString()}`,
        chain_exhausted: false,
        actor_type: 'system',
      },
      {
        from_level: 1,
        to_level: 2,
        from_role: 'ops_manager',
        to_role: 'hq_support',
        trigger: 'resolution_breach',
        breach_key: `resolution@${resDue.toISOString()}`,
        chain_exhausted: true,
        actor_type: 'system',
      },
    ]);

    // The SLA log: once per window; no breach is acted on before its instant.
    const events = await rows.events(id);
    expect(countBy(events, (e) => `${e.kind}:${e.target ?? '-'}`)).toEqual({
      'applied:-': 1,
      'near_breach:first_response': 1,
      'near_breach:resolution': 1,
      'breached:first_response': 1,
      'breached:resolution': 1,
      'escalated:-': 2,
    });
    for (const event of events.filter((e) => e.kind === 'breached')) {
      expect(new Date(event.occurred_at).getTime()).toBeGreaterThan(new Date(event.details.due_at).getTime());
    }
    const audit = await rows.audit(id);
    expect(audit.filter((a) => a.action === 'escalated')).toHaveLength(2);

    // GET /tickets/:id/sla shows the same story.
    const sla = await getSla(tenant.adminToken, id);
    expect(sla).toMatchObject({
      ticket_id: id,
      sla_state: 'breached',
      escalation_level: 2,
      owner_role: 'hq_support',
      policy: { priority: 'high', escalation_chain: CHAIN3 },
    });
    expect(sla.targets).toEqual([
      expect.objectContaining({ target: 'first_response', due_at: frDue.toISOString(), status: 'breached', met_at: null }),
      expect.objectContaining({ target: 'resolution', due_at: resDue.toISOString(), status: 'breached', met_at: null }),
    ]);
    for (const target of sla.targets) expect(target.remaining_minutes).toBeLessThan(0);
    expect(countBy(sla.events as Array<{ kind: string; target: string | null }>, (e) => `${e.kind}:${e.target ?? '-'}`)).toEqual(
      countBy(events, (e) => `${e.kind}:${e.target ?? '-'}`),
    );
    expect(sla.escalations.map((e: { to_level: number }) => e.to_level)).toEqual([1, 2]);
  });

  it('a public agent reply before the first response is due meets it: no first-response breach or escalation afterwards', async () => {
    const tenant = await createTenant(api);
    const agent = await createUser(api, tenant, 'hq_support');
    // Six seconds to answer; the resolution is far away.
    await putPolicy(api, tenant, 'high', { first_response_minutes: 6 * SECOND, resolution_minutes: 30, escalation_chain: CHAIN3 });
    const answered = await newTicket(api, tenant.adminToken, { priority: 'high' });
    // The control: the same ticket, left unanswered, proves the worker would have acted.
    const control = await newTicket(api, tenant.adminToken, { priority: 'high' });
    const oldDue = new Date(answered.first_response_due_at);

    const reply = await t.postMessage(agent.token, answered.id, { body: 'Looking into it now.' });
    expect(reply.status).toBe(201);
    assertStillBefore(oldDue, 'the reply');

    const met = await getSla(tenant.adminToken, answered.id);
    expect(met.targets[0]).toMatchObject({ target: 'first_response', status: 'met', met_at: expect.any(String), remaining_minutes: null });
    expect(new Date(met.targets[0].met_at).getTime()).toBeLessThanOrEqual(oldDue.getTime());
    expect(met.targets[1]).toMatchObject({ target: 'resolution', status: 'pending' });

    // Past the old due instant, with a sweep or two: the control breached and escalated, the answered one did not.
    await waitFor('the unanswered control ticket to escalate', async () => (await level(control.id)) === 1, oldDue.getTime() - Date.now() + 10_000);
    await sleepUntil(oldDue, SETTLE_MS);

    expect(await rows.events(answered.id, 'breached')).toEqual([]);
    expect(await rows.events(answered.id, 'near_breach')).toEqual([]);
    expect(await rows.outbox(answered.id, 'sla.breached')).toEqual([]);
    expect(await rows.escalations(answered.id)).toEqual([]);
    expect(countBy(await rows.events(answered.id), (e) => `${e.kind}:${e.target ?? '-'}`)).toEqual({ 'applied:-': 1, 'met:first_response': 1 });
    expect(await getTicket(tenant.adminToken, answered.id)).toMatchObject({ escalation_level: 0, owner_role: 'ops_agent', sla_state: 'on_track' });
    const after = await getSla(tenant.adminToken, answered.id);
    expect(after).toMatchObject({ sla_state: 'on_track', escalation_level: 0, escalations: [] });
    expect(after.targets[0]).toMatchObject({ target: 'first_response', status: 'met' });

    expect(await rows.outbox(control.id, 'sla.breached')).toEqual([
      { ...systemEnvelope(tenant.id, control.id), target: 'first_response', due_at: control.first_response_due_at },
    ]);
  });

  it('a pause in awaiting_customer shifts the resolution due date by the pause, and nothing breaches at the old instant', async () => {
    const tenant = await createTenant(api);
    const agent = await createUser(api, tenant, 'hq_support');
    // Resolution due after 9 s; a 5 s pause ends before that and moves it past the settling wait.
    await putPolicy(api, tenant, 'high', { first_response_minutes: 6 * SECOND, resolution_minutes: 9 * SECOND, escalation_chain: CHAIN3 });
    const created = await newTicket(api, tenant.adminToken, { priority: 'high' });
    const id = created.id as string;
    const oldResolutionDue = new Date(created.resolution_due_at);
    // First response met at once, so that only the resolution clock is at stake.
    expect((await t.postMessage(agent.token, id, { body: 'On it.' })).status).toBe(201);

    const PAUSE_MS = 5000;
    const pausedBody = await patch(agent.token, id, { status: 'awaiting_customer' });
    const paused = await getSla(agent.token, id);
    expect(paused).toMatchObject({ sla_state: 'paused', paused_since: expect.any(String) });
    expect(paused.targets[1]).toMatchObject({ target: 'resolution', status: 'paused' });
    await sleep(PAUSE_MS);
    const resumedBody = await patch(agent.token, id, { status: 'open' });
    assertStillBefore(oldResolutionDue, 'the end of the pause');

    // The shift is the pause as the server timed it: from the instant it paused to the resuming change.
    const pauseLength = new Date(resumedBody.updated_at).getTime() - new Date(pausedBody.sla_paused_at).getTime();
    expect(pauseLength).toBeGreaterThanOrEqual(PAUSE_MS);
    const newResolutionDue = new Date(resumedBody.resolution_due_at);
    const shift = newResolutionDue.getTime() - oldResolutionDue.getTime();
    expect(Math.abs(shift - pauseLength)).toBeLessThanOrEqual(1); // millisecond rounding of stored instants
    expect(resumedBody).toMatchObject({ status: 'open', sla_paused_at: null });
    expect(countBy(await rows.events(id), (e) => e.kind)).toMatchObject({ paused: 1, resumed: 1 });

    // Past the old due instant (and a sweep): no breach.
    await sleepUntil(oldResolutionDue, SETTLE_MS);
    assertStillBefore(newResolutionDue, 'the check past the old due instant');
    expect(await rows.events(id, 'breached')).toEqual([]);
    expect(await rows.outbox(id, 'sla.breached')).toEqual([]);
    expect(await level(id)).toBe(0);
    expect((await getSla(agent.token, id)).targets[1]).toMatchObject({ target: 'resolution', due_at: newResolutionDue.toISOString(), status: 'pending' });

    // At the new instant the breach happens, once, against the shifted due date.
    await waitFor('the resolution breach at the shifted due date', async () => (await level(id)) === 1, newResolutionDue.getTime() - Date.now() + 10_000);
    await sleep(SETTLE_MS);
    expect(await rows.outbox(id, 'sla.breached')).toEqual([{ ...systemEnvelope(tenant.id, id), target: 'resolution', due_at: newResolutionDue.toISOString() }]);
    const [breach] = await rows.events(id, 'breached');
    expect(new Date(breach.occurred_at).getTime()).toBeGreaterThan(newResolutionDue.getTime());
    expect((await rows.escalations(id)).map((e) => [e.trigger, e.to_level])).toEqual([['resolution_breach', 1]]);
  });

  it('a priority change (high → low) before the breach recomputes the due dates: nothing breaches at the old instant', async () => {
    const tenant = await createTenant(api);
    await putPolicy(api, tenant, 'high', { first_response_minutes: 6 * SECOND, resolution_minutes: 12 * SECOND, escalation_chain: CHAIN3 });
    await putPolicy(api, tenant, 'low', { first_response_minutes: 60, resolution_minutes: 120, escalation_chain: CHAIN3 });
    const moved = await newTicket(api, tenant.adminToken, { priority: 'high' });
    const control = await newTicket(api, tenant.adminToken, { priority: 'high' });
    const oldDue = new Date(moved.first_response_due_at);
    const createdAt = new Date(moved.created_at).getTime();

    const updated = await patch(tenant.adminToken, moved.id, { priority: 'low' });
    assertStillBefore(oldDue, 'the reply');
    expect(updated.priority).toBe('low');
    expect(Math.abs(new Date(updated.first_response_due_at).getTime() - (createdAt + 60 * 60_000))).toBeLessThanOrEqual(1);
    expect(Math.abs(new Date(updated.resolution_due_at).getTime() - (createdAt + 120 * 60_000))).toBeLessThanOrEqual(1);
    const sla = await getSla(tenant.adminToken, moved.id);
    expect(sla.policy).toMatchObject({ priority: 'low' });
    expect(sla.targets.map((x: { due_at: string }) => x.due_at)).toEqual([updated.first_response_due_at, updated.resolution_due_at]);

    await waitFor('the unchanged control ticket to escalate', async () => (await level(control.id)) === 1, oldDue.getTime() - Date.now() + 10_000);
    await sleepUntil(oldDue, SETTLE_MS);

    expect(await rows.events(moved.id, 'breached')).toEqual([]);
    expect(await rows.events(moved.id, 'near_breach')).toEqual([]);
    expect(await rows.outbox(moved.id, 'sla.breached')).toEqual([]);
    expect(await rows.escalations(moved.id)).toEqual([]);
    expect(await getTicket(tenant.adminToken, moved.id)).toMatchObject({ escalation_level: 0, sla_state: 'on_track', priority: 'low' });
    const row = await rows.ticket(moved.id);
    // The next check is the low policy's first near-breach instant (80 % of the hour), not the old one.
    expect(new Date(row.next_sla_check_at).getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(countBy(await rows.events(moved.id), (e) => e.kind)).toEqual({ applied: 2 });
  });

  it('an unacknowledged breach re-escalates after reescalation_minutes; acknowledged, it stops; de-escalation steps down, audited', async () => {
    const tenant = await createTenant(api);
    const hq = await createUser(api, tenant, 'hq_support');
    const requester = await createUser(api, tenant, 'requester');
    await putPolicy(api, tenant, 'high', {
      first_response_minutes: 3 * SECOND,
      resolution_minutes: 30,
      reescalation_minutes: 3 * SECOND,
      escalation_chain: CHAIN4,
    });
    const created = await newTicket(api, requester.token, { priority: 'high' });
    const id = created.id as string;
    const ticket = await getTicket(tenant.adminToken, id);
    const due = new Date(ticket.first_response_due_at);
    const breachKey = `first_response@${due.toISOString()}`;

    // Nothing to acknowledge yet.
    expect((await acknowledge(hq.token, id)).status).toBe(409);

    await waitFor('the breach to escalate to level 1', async () => (await level(id)) >= 1, due.getTime() - Date.now() + 10_000);
    await waitFor('the unacknowledged breach to re-escalate to level 2', async () => (await level(id)) >= 2, 3000 + 10_000);
    const [first, second] = await rows.escalations(id);
    expect([first, second].map((e) => ({ from: e.from_level, to: e.to_level, trigger: e.trigger, key: e.breach_key, ack: e.acknowledged_at }))).toEqual([
      { from: 0, to: 1, trigger: 'first_response_breach', key: breachKey, ack: null },
      { from: 1, to: 2, trigger: 'first_response_breach', key: breachKey, ack: null },
    ]);
    // Not before the interval (an order of instants, not a speed: the worker may act late, never early).
    expect(new Date(second.created_at).getTime()).toBeGreaterThanOrEqual(new Date(first.created_at).getTime() + 3000);

    // The requester may not acknowledge (or de-escalate) their own ticket's escalation.
    expect((await acknowledge(requester.token, id)).status).toBe(403);
    const ack = await acknowledge(hq.token, id);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id: second.id, to_level: 2, acknowledged_at: expect.any(String), acknowledged_by: hq.id });
    expect(await level(id)).toBe(2); // had no re-escalation slipped in meanwhile

    // Past the next re-escalation instant, and a sweep or two: no further automatic escalation.
    await sleepUntil(new Date(new Date(second.created_at).getTime() + 3000), SETTLE_MS + 1000);
    expect(await getTicket(tenant.adminToken, id)).toMatchObject({ escalation_level: 2, owner_role: 'regional_manager' });
    expect(await rows.escalations(id)).toHaveLength(2);
    expect(await rows.outbox(id, 'ticket.escalated')).toHaveLength(2);
    expect(await rows.outbox(id, 'sla.breached')).toHaveLength(1);
    expect(await rows.outbox(id, 'ticket.escalation_acknowledged')).toHaveLength(1);
    expect(countBy(await rows.events(id), (e) => e.kind)).toEqual({ applied: 1, near_breach: 1, breached: 1, escalated: 2, acknowledged: 1 });

    // De-escalation: one level down, audited; refused to the requester.
    expect((await deEscalate(requester.token, id, { reason: 'no' })).status).toBe(403);
    const down = await deEscalate(hq.token, id, { reason: 'Regional manager took it; back to ops' });
    expect(down.status).toBe(200);
    expect(down.body).toEqual({ ticket_id: id, escalation_level: 1, owner_role: 'ops_manager' });
    const deEscalations = (await rows.audit(id)).filter((a) => a.action === 'de_escalated');
    expect(deEscalations).toHaveLength(1);
    expect(deEscalations[0].changes).toMatchObject({
      escalation_level: { old: 2, new: 1 },
      owner_role: { old: 'regional_manager', new: 'ops_manager' },
      reason: 'Regional manager took it; back to ops',
    });
    expect(await rows.outbox(id, 'ticket.de_escalated')).toEqual([expect.objectContaining({ from_level: 2, to_level: 1, to_role: 'ops_manager' })]);
    const auditApi = await request(api.url)
      .get(`/api/v1/tickets/${id}/audit`)
      .set(...bearer(tenant.adminToken));
    expect(auditApi.status).toBe(200);
    expect(JSON.stringify(auditApi.body)).toContain('de_escalated');

    // The breach stays acknowledged: the worker does not climb back up.
    await sleep(3000 + SETTLE_MS);
    expect(await getTicket(tenant.adminToken, id)).toMatchObject({ escalation_level: 1, owner_role: 'ops_manager' });
    expect(await rows.escalations(id)).toHaveLength(2);
  });

  describe('manual escalation', () => {
    let tenant: TestTenant;
    let hq: TestUser;
    let requester: TestUser;
    let northManager: TestUser;

    beforeAll(async () => {
      tenant = await createTenant(api);
      await putPolicy(api, tenant, 'medium', { first_response_minutes: 60, resolution_minutes: 120, escalation_chain: CHAIN3 });
      [hq, requester, northManager] = await Promise.all([
        createUser(api, tenant, 'hq_support'),
        createUser(api, tenant, 'requester'),
        createUser(api, tenant, 'regional_manager', { region: 'north' }),
      ]);
    });

    it('moves one level for an allowed role; 403/404 for a requester; one winner among concurrent requests from the same level; exhausted at the end', async () => {
      const own = await newTicket(api, requester.token, { priority: 'medium' });
      const north = await newTicket(api, tenant.adminToken, { priority: 'medium', region: 'north' });

      // A requester: 403 on a ticket they can read, 404 on one they cannot.
      expect((await escalate(requester.token, own.id, { reason: 'please hurry' })).status).toBe(403);
      expect((await escalate(requester.token, north.id, { reason: 'please hurry' })).status).toBe(404);
      expect(await level(own.id)).toBe(0);

      const first = await escalate(hq.token, north.id, { reason: 'VIP customer', from_level: 0 });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        outcome: 'escalated',
        escalation: { from_level: 0, to_level: 1, to_role: 'ops_manager', trigger: 'manual', reason: 'VIP customer', actor_type: 'user', actor_id: hq.id },
      });
      expect(await getTicket(tenant.adminToken, north.id)).toMatchObject({ escalation_level: 1, owner_role: 'ops_manager' });

      // Five people press the button having seen level 1: exactly one wins.
      const racing = await Promise.all(
        Array.from({ length: 5 }, (_, i) => escalate(i % 2 ? hq.token : tenant.adminToken, north.id, { reason: `race ${i}`, from_level: 1 })),
      );
      expect(racing.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
      expect(await getTicket(tenant.adminToken, north.id)).toMatchObject({ escalation_level: 2, owner_role: 'hq_support' });
      const winner = racing.find((r) => r.status === 200)!;
      expect(winner.body).toMatchObject({ outcome: 'escalated', escalation: { from_level: 1, to_level: 2, chain_exhausted: true } });
      // A stale level is refused too.
      expect((await escalate(hq.token, north.id, { reason: 'again', from_level: 0 })).status).toBe(409);

      // The end of the chain: the answer says so, the level stays.
      const end = await escalate(hq.token, north.id, { reason: 'still stuck', from_level: 2 });
      expect(end.status).toBe(200);
      expect(end.body).toMatchObject({ outcome: 'exhausted' });
      expect(await level(north.id)).toBe(2);

      expect(await rows.outbox(north.id, 'ticket.escalated')).toEqual([
        expect.objectContaining({ from_level: 0, to_level: 1, trigger: 'manual' }),
        expect.objectContaining({ from_level: 1, to_level: 2, trigger: 'manual' }),
      ]);
      expect(await rows.outbox(north.id, 'ticket.escalation_exhausted')).toHaveLength(1);
      const log = await rows.escalations(north.id);
      expect(log.filter((e) => e.to_level > e.from_level)).toHaveLength(2);
      expect(log.filter((e) => e.chain_exhausted && e.to_level === e.from_level)).toHaveLength(1);
    });

    it('GET /escalations lists only the escalations of tickets whose SLA fields the caller may see', async () => {
      const own = await newTicket(api, requester.token, { priority: 'medium' });
      const north = await newTicket(api, tenant.adminToken, { priority: 'medium', region: 'north' });
      const south = await newTicket(api, tenant.adminToken, { priority: 'medium', region: 'south' });
      for (const ticket of [own, north, south]) expect((await escalate(hq.token, ticket.id, { reason: 'listing', from_level: 0 })).status).toBe(200);

      const listed = async (token: string, query = 'limit=100') => {
        const response = await request(api.url)
          .get(`/api/v1/escalations?${query}`)
          .set(...bearer(token));
        expect(response.status).toBe(200);
        return new Set<string>(response.body.data.map((e: { ticket_id: string }) => e.ticket_id));
      };
      const asAdmin = await listed(tenant.adminToken);
      for (const ticket of [own, north, south]) expect(asAdmin.has(ticket.id)).toBe(true);
      // A requester reads no SLA fields, not even of their own tickets (docs/security.md): the list is refused.
      const asRequester = await request(api.url)
        .get('/api/v1/escalations')
        .set(...bearer(requester.token));
      expect(asRequester.status).toBe(403);
      const asNorth = await listed(northManager.token);
      expect(asNorth.has(north.id)).toBe(true);
      expect(asNorth.has(south.id) || asNorth.has(own.id)).toBe(false);
      for (const ticketId of asNorth) expect((await rows.ticket(ticketId)).region).toBe('north');
      expect([...(await listed(tenant.adminToken, `ticket_id=${south.id}`))]).toEqual([south.id]);
      // Another tenant's admin sees none of them.
      const other = await createTenant(api);
      expect((await listed(other.adminToken)).size).toBe(0);
    });
  });
});
