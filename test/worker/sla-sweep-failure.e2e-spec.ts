/**
 * A sweep page survives one failing ticket (the built worker, real PostgreSQL and Redis).
 *
 * The failing ticket is what ADR 0008 says still exists: a policy stored before targets had to fit
 * their calendar (one working minute a week, a resolution target of millions of minutes), on which
 * every SLA computation throws `beyond_calendar_horizon`. The test writes such a row directly,
 * since the api now refuses it. The other tickets are overdue on a sound policy and reach the
 * worker only through the sweep (the api's timers go to a prefix no worker consumes), one lane,
 * pages of two, the failing ticket first: before the fix, every sweep died on it.
 */
import { createTenant, dataSourceOf, RunningApp, startApi, startWorker } from '@helpdesk/testing';
import { API_OVERRIDES, newTicket } from '../api/tickets-fixtures';
import { dedicatedPrefix, metricValue, putPolicy, sleep, sleepUntil, slaRows, waitFor } from './sla-support';

jest.setTimeout(90_000);

const SECOND = 1 / 60; // in minutes
const SWEEP_SECONDS = 2;

describe('SLA sweep: one failing ticket', () => {
  let api: RunningApp;
  let worker: RunningApp | undefined;
  let failingId: string | undefined;
  const db = () => dataSourceOf(api);
  const rows = slaRows(db);

  beforeAll(async () => {
    api = await startApi({ ...API_OVERRIDES, REDIS_PREFIX: dedicatedPrefix('sweep-fail-api') });
  });
  afterAll(async () => {
    // Take the broken ticket out of every worker's sweep (the database is shared with other suites).
    if (failingId) await db().query('UPDATE tickets SET next_sla_check_at = NULL WHERE id = $1', [failingId]);
    await worker?.close();
    await api?.close();
  });

  it('logs and counts the failing ticket, checks the rest of the page, and checks the failing one again later', async () => {
    const tenant = await createTenant(api);
    const policy = { first_response_minutes: 2 * SECOND, resolution_minutes: 30, escalation_chain: ['ops_agent', 'ops_manager', 'hq_support'] };
    await putPolicy(api, tenant, 'critical', policy);
    await putPolicy(api, tenant, 'high', policy);

    // Created first, so that it is the first due ticket of the sweep's first page.
    const failing = await newTicket(api, tenant.adminToken, { priority: 'critical' });
    failingId = failing.id as string;
    const others: Array<Record<string, any>> = [];
    for (let i = 0; i < 4; i += 1) others.push(await newTicket(api, tenant.adminToken, { priority: 'high' }));
    const [{ sla_policy_id }] = await db().query('SELECT sla_policy_id FROM tickets WHERE id = $1', [failingId]);
    await db().query(
      `UPDATE sla_policies SET resolution_minutes = 10000000,
         business_hours = '{"time_zone": "Europe/Berlin", "weekly": {"mon": [{"start": "09:00", "end": "09:01"}]}}'::jsonb
       WHERE id = $1`,
      [sla_policy_id],
    );

    // Every first response is overdue before the worker starts.
    await sleepUntil(others[others.length - 1].first_response_due_at, 200);
    const dueBefore = (await rows.ticket(failingId)).next_sla_check_at as Date;
    expect(dueBefore.getTime()).toBeLessThan(Date.now());

    worker = await startWorker({
      REDIS_PREFIX: dedicatedPrefix('sweep-fail'),
      SLA_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS),
      SLA_SWEEP_BATCH_SIZE: '2',
      WORKER_CONCURRENCY: '1',
    });
    const running = worker;
    const failureLine = `SLA check of ticket ${failingId} (tenant ${tenant.id}) failed; it stays due for the next sweep`;
    const failuresLogged = () => running.process.output().split(failureLine).length - 1;

    for (const ticket of others) {
      await waitFor(`ticket ${ticket.id} to be escalated by the sweep`, async () => (await rows.ticket(ticket.id)).escalation_level >= 1, 30_000);
    }
    // Checked again by a later sweep, and failing again, each time logged and counted.
    await waitFor('the failing ticket to be checked (and to fail) in a second sweep', () => failuresLogged() >= 2, 30_000);
    expect(await metricValue(running.process, 'helpdesk_sla_check_failures_total', { source: 'sweep' })).toBeGreaterThanOrEqual(2);
    expect(running.process.output()).toContain('does not hold this much working time');

    // Give the sweeps the chance to act twice; nothing may.
    await sleep(SWEEP_SECONDS * 1000 + 1500);
    for (const ticket of others) {
      const escalations = await rows.escalations(ticket.id);
      expect(escalations.map(({ from_level, to_level, trigger }) => ({ from_level, to_level, trigger }))).toEqual([
        { from_level: 0, to_level: 1, trigger: 'first_response_breach' },
      ]);
    }
    // The failing ticket: untouched and still due, so that it keeps being retried.
    const failingNow = await rows.ticket(failingId);
    expect({ level: failingNow.escalation_level, due: failingNow.next_sla_check_at }).toEqual({ level: 0, due: dueBefore });
    expect(await rows.escalations(failingId)).toEqual([]);
    expect(running.process.alive()).toBe(true);
  });
});
