/**
 * The next-reply target: from each requester message to the next public agent reply. The real
 * api and an in-process worker; windows of seconds, bounded polls.
 */
import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, RunningApp, startApi, startWorker, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES } from '../api/tickets-fixtures';
import { dedicatedPrefix, putPolicy, sleepUntil, waitFor } from './sla-support';

jest.setTimeout(60_000);

const SECOND = 1 / 60;

describe('SLA worker: next-reply target', () => {
  const prefix = dedicatedPrefix('sla-next-reply');
  let api: RunningApp;
  let worker: RunningApp;
  let tenant: TestTenant;
  let requester: TestUser;

  beforeAll(async () => {
    api = await startApi({ ...API_OVERRIDES, REDIS_PREFIX: prefix });
    worker = await startWorker({ REDIS_PREFIX: prefix, SLA_SWEEP_INTERVAL_SECONDS: '600' });
    tenant = await createTenant(api);
    requester = await createUser(api, tenant, 'requester');
    // Long first-response and resolution windows: only the next reply can breach here.
    await putPolicy(api, tenant, 'high', {
      first_response_minutes: 60,
      resolution_minutes: 600,
      next_reply_minutes: 2 * SECOND,
      escalation_chain: ['ops_agent', 'ops_manager', 'hq_support'],
    });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const post = (token: string, path: string, body: object) =>
    request(api.url)
      .post(`/api/v1${path}`)
      .set(...bearer(token))
      .send(body);
  const get = (token: string, path: string) =>
    request(api.url)
      .get(`/api/v1${path}`)
      .set(...bearer(token));
  const escalationsOf = (id: string) =>
    dataSourceOf(api).query('SELECT trigger, to_level FROM ticket_escalations WHERE ticket_id = $1 AND NOT chain_exhausted ORDER BY to_level', [id]);
  const breachesOf = (id: string) =>
    dataSourceOf(api).query("SELECT count(*)::int AS n FROM sla_events WHERE ticket_id = $1 AND kind = 'breached' AND target = 'next_reply'", [id]);

  it('starts at a requester message, breaches and escalates once when no agent answers, and is met by an agent reply in time', async () => {
    const ticket = (await post(requester.token, '/tickets', { title: 'Still broken', type: 'support', priority: 'high' }).expect(201)).body;
    await post(tenant.adminToken, `/tickets/${ticket.id}/messages`, { body: 'Looking into it' }).expect(201);

    // The requester writes again: the next-reply window opens.
    await post(requester.token, `/tickets/${ticket.id}/messages`, { body: 'Any news?' }).expect(201);
    const waiting = (await get(tenant.adminToken, `/tickets/${ticket.id}`).expect(200)).body;
    expect(waiting.next_reply_due_at).not.toBeNull();
    const sla = (await get(tenant.adminToken, `/tickets/${ticket.id}/sla`).expect(200)).body;
    expect(sla.targets.map((t: { target: string }) => t.target)).toEqual(['first_response', 'resolution', 'next_reply']);

    await sleepUntil(waiting.next_reply_due_at, 200);
    const escalations = await waitFor(
      'the next-reply breach to escalate',
      async () => {
        const rows = await escalationsOf(ticket.id);
        return rows.length > 0 ? rows : null;
      },
      10_000,
    );
    expect(escalations).toEqual([{ trigger: 'next_reply_breach', to_level: 1 }]);
    expect((await breachesOf(ticket.id))[0].n).toBe(1);

    // An agent answers: the window closes; a new requester message opens a new one, met in time.
    await post(tenant.adminToken, `/tickets/${ticket.id}/messages`, { body: 'Fixed now' }).expect(201);
    expect((await get(tenant.adminToken, `/tickets/${ticket.id}`).expect(200)).body.next_reply_due_at).toBeNull();
    await post(requester.token, `/tickets/${ticket.id}/messages`, { body: 'Thanks, one more thing' }).expect(201);
    await post(tenant.adminToken, `/tickets/${ticket.id}/messages`, { body: 'Sure' }).expect(201);
    const met = await dataSourceOf(api).query("SELECT count(*)::int AS n FROM sla_events WHERE ticket_id = $1 AND kind = 'met' AND target = 'next_reply'", [
      ticket.id,
    ]);
    expect(met[0].n).toBe(1);

    // Past where the second window would have ended: still one breach, one escalation.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await breachesOf(ticket.id))[0].n).toBe(1);
    expect(await escalationsOf(ticket.id)).toHaveLength(1);
  });
});
