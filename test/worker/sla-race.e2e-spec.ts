/**
 * The SLA worker under contention and after losing its timers, with the BUILT worker (spawned
 * processes; `npm run -s build` first). These tests get a database of their own (created and
 * migrated here, dropped at the end) and Redis prefixes of their own, so that no other suite's
 * worker can touch their tickets: "workers stopped" means no worker at all, and what the sweep
 * did can be told apart from what the timers did.
 *
 * Everything is asserted from the database once things have settled: the invariants hold however
 * the work was interleaved.
 */
import { Queue } from 'bullmq';
import request from 'supertest';
import { dropDatabase, ensureDatabase, runMigrations } from '@helpdesk/database';
import { QUEUES, redisConnectionOptions, SLA_JOBS } from '@helpdesk/queue';
import {
  assertBuilt,
  bearer,
  createTenant,
  createUser,
  dataSourceOf,
  emptyWorkingDirectory,
  RunningApp,
  startApi,
  testDatabaseUrl,
  testRedisUrl,
} from '@helpdesk/testing';
import { API_OVERRIDES, newTicket } from '../api/tickets-fixtures';
import { countBy, dedicatedPrefix, deleteKeysUnder, metricValue, putPolicy, sleep, sleepUntil, SpawnedWorker, spawnWorker, waitFor } from './sla-support';

jest.setTimeout(180_000);

const SECOND = 1 / 60; // in minutes
const CHAIN3 = ['ops_agent', 'ops_manager', 'hq_support'];

describe('SLA worker: races and recovery (built worker processes, a database of their own)', () => {
  const workdir = emptyWorkingDirectory();
  const databaseUrl = (() => {
    const url = new URL(testDatabaseUrl());
    url.pathname = `${url.pathname}_sla_race`;
    return url.toString();
  })();
  /** Every worker process started here; all are stopped before the next test and at the end. */
  const workers: SpawnedWorker[] = [];
  const apis: RunningApp[] = [];
  /** Queues the test reads directly (the api's own are in its process). */
  const queues: Queue[] = [];

  const stopWorkers = async () => {
    const running = workers.splice(0);
    await Promise.all(running.map((worker) => worker.stop()));
  };
  const startApiHere = async (prefix: string) => {
    const api = await startApi({ ...API_OVERRIDES, DATABASE_URL: databaseUrl, REDIS_PREFIX: prefix });
    apis.push(api);
    return api;
  };
  const startWorkers = async (count: number, prefix: string, label: string, overrides: Record<string, string> = {}) => {
    const env = { DATABASE_URL: databaseUrl, REDIS_PREFIX: prefix, SLA_SWEEP_INTERVAL_SECONDS: '1', WORKER_CONCURRENCY: '8', ...overrides };
    const started = await Promise.all(Array.from({ length: count }, (_, i) => spawnWorker(`${label}-${i + 1}`, env, workdir.path)));
    workers.push(...started);
    return started;
  };

  beforeAll(async () => {
    assertBuilt();
    await ensureDatabase(databaseUrl);
    await runMigrations(databaseUrl);
  });
  afterEach(async () => {
    await stopWorkers();
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    await Promise.all(apis.splice(0).map((api) => api.close()));
  });
  afterAll(async () => {
    await stopWorkers();
    if (!process.env.KEEP_TEST_DATABASE) await dropDatabase(databaseUrl);
    workdir.remove();
  });

  interface TicketState {
    id: string;
    escalation_level: number;
    owner_role: string;
    first_response_due_at: Date;
    next_sla_check_at: Date | null;
    breaches: number;
    breach_escalations: number;
  }

  const ticketStates = async (api: RunningApp, tenantId: string): Promise<TicketState[]> =>
    dataSourceOf(api).query(
      `SELECT t.id, t.escalation_level, t.owner_role, t.first_response_due_at, t.next_sla_check_at,
              (SELECT count(*)::int FROM sla_events e WHERE e.ticket_id = t.id AND e.kind = 'breached') AS breaches,
              (SELECT count(*)::int FROM ticket_escalations x WHERE x.ticket_id = t.id AND x.trigger <> 'manual') AS breach_escalations
       FROM tickets t WHERE t.tenant_id = $1 ORDER BY t.id`,
      [tenantId],
    );

  /** Every ticket breached, escalated for it, and with nothing due any more (its next check far away). */
  const settled = (states: TicketState[]) =>
    states.every(
      (s) => s.breaches >= 1 && s.breach_escalations >= 1 && s.next_sla_check_at !== null && new Date(s.next_sla_check_at).getTime() > Date.now() + 60_000,
    );

  /** The invariants of "each breach is acted on once", checked from the database for every ticket of the tenant. */
  async function assertExactlyOnce(api: RunningApp, tenantId: string, expectedTickets: number): Promise<void> {
    const db = dataSourceOf(api);
    const tickets: Array<{ id: string; escalation_level: number; owner_role: string; first_response_due_at: Date }> = await db.query(
      'SELECT id, escalation_level, owner_role, first_response_due_at FROM tickets WHERE tenant_id = $1',
      [tenantId],
    );
    expect(tickets).toHaveLength(expectedTickets);
    const escalations: Array<{ ticket_id: string; from_level: number; to_level: number; trigger: string; breach_key: string }> = await db.query(
      'SELECT ticket_id, from_level, to_level, trigger, breach_key FROM ticket_escalations WHERE tenant_id = $1',
      [tenantId],
    );
    const breaches: Array<{ ticket_id: string; target: string; window_key: string }> = await db.query(
      "SELECT ticket_id, target, window_key FROM sla_events WHERE tenant_id = $1 AND kind = 'breached'",
      [tenantId],
    );
    const outbox: Array<{ aggregate_id: string; type: string; payload: Record<string, any> }> = await db.query(
      "SELECT aggregate_id, type, payload FROM outbox_events WHERE tenant_id = $1 AND type IN ('sla.breached', 'ticket.escalated')",
      [tenantId],
    );

    // At most one escalation row per (ticket, to_level), across workers, timers, sweeps and the api.
    const perLevel = countBy(escalations, (e) => `${e.ticket_id}→${e.to_level}`);
    expect(Object.entries(perLevel).filter(([, n]) => n > 1)).toEqual([]);

    const problems: string[] = [];
    for (const ticket of tickets) {
      const mine = escalations.filter((e) => e.ticket_id === ticket.id);
      const moving = mine.filter((e) => e.to_level > e.from_level);
      const window = `first_response@${new Date(ticket.first_response_due_at).toISOString()}`;
      const myBreaches = breaches.filter((b) => b.ticket_id === ticket.id);
      const breachedEvents = outbox.filter((o) => o.aggregate_id === ticket.id && o.type === 'sla.breached');
      const escalatedEvents = outbox.filter((o) => o.aggregate_id === ticket.id && o.type === 'ticket.escalated');
      const breachEscalations = mine.filter((e) => e.trigger === 'first_response_breach');
      const check = (ok: boolean, what: string) => ok || problems.push(`${ticket.id}: ${what}`);
      check(ticket.escalation_level === moving.length, `escalation_level ${ticket.escalation_level} but ${moving.length} level-moving escalation row(s)`);
      check(ticket.owner_role === CHAIN3[ticket.escalation_level], `owner_role ${ticket.owner_role} at level ${ticket.escalation_level}`);
      check(escalatedEvents.length === moving.length, `${escalatedEvents.length} ticket.escalated event(s) for ${moving.length} escalation(s)`);
      check(
        myBreaches.length === 1 && myBreaches[0].window_key === window && myBreaches[0].target === 'first_response',
        `breached SLA events ${JSON.stringify(myBreaches)}, expected one for ${window}`,
      );
      check(
        breachedEvents.length === 1 &&
          breachedEvents[0].payload.target === 'first_response' &&
          breachedEvents[0].payload.due_at === new Date(ticket.first_response_due_at).toISOString(),
        `sla.breached events ${JSON.stringify(breachedEvents.map((e) => e.payload))}`,
      );
      check(breachEscalations.length === 1 && breachEscalations[0].breach_key === window, `${breachEscalations.length} escalation(s) for the breach ${window}`);
      check(
        mine.every((e) => e.trigger !== 'resolution_breach'),
        'a resolution escalation before the resolution was due',
      );
    }
    expect(problems).toEqual([]);
    // Once per (ticket, target window) across the whole tenant too.
    expect(Object.values(countBy(breaches, (b) => `${b.ticket_id}|${b.window_key}`)).every((n) => n === 1)).toBe(true);
    expect(
      Object.values(
        countBy(
          outbox.filter((o) => o.type === 'sla.breached'),
          (o) => `${o.aggregate_id}|${o.payload.target}|${o.payload.due_at}`,
        ),
      ).every((n) => n === 1),
    ).toBe(true);
  }

  it('3 workers (one SIGKILLed mid-run) and concurrent manual escalations: each breach escalates exactly once', async () => {
    const prefix = dedicatedPrefix('sla-race');
    const api = await startApiHere(prefix);
    const tenant = await createTenant(api);
    const hq = await createUser(api, tenant, 'hq_support');
    // First response due 5 s after creation; the resolution is far away (no second breach here).
    await putPolicy(api, tenant, 'high', { first_response_minutes: 5 * SECOND, resolution_minutes: 30, escalation_chain: CHAIN3 });
    const [victim, ...survivors] = await startWorkers(3, prefix, 'race');

    const TICKETS = 40;
    const tickets: Array<Record<string, any>> = [];
    while (tickets.length < TICKETS) {
      tickets.push(
        ...(await Promise.all(Array.from({ length: Math.min(8, TICKETS - tickets.length) }, () => newTicket(api, tenant.adminToken, { priority: 'high' })))),
      );
    }
    const dues = tickets.map((ticket) => new Date(ticket.first_response_due_at).getTime());

    // Manual escalations from level 0, two at a time per ticket, around each ticket's breach
    // instant (from 600 ms before to 600 ms after); every fourth ticket is left to the workers.
    const escalate = (id: string) =>
      request(api.url)
        .post(`/api/v1/tickets/${id}/escalate`)
        .set(...bearer(hq.token))
        .send({ reason: 'race', from_level: 0 });
    const manual = tickets.map(async (ticket, i) => {
      if (i % 4 === 3) return [];
      await sleepUntil(new Date(dues[i]), ((i * 7) % 13) * 100 - 600);
      const responses = await Promise.all([escalate(ticket.id), escalate(ticket.id)]);
      return responses.map((r) => ({ ticket: ticket.id as string, status: r.status, outcome: r.body?.outcome as string | undefined }));
    });
    // One worker dies without warning in the middle of the breaches.
    const sortedDues = [...dues].sort((a, b) => a - b);
    const kill = (async () => {
      await sleepUntil(new Date(sortedDues[Math.floor(sortedDues.length / 2)]));
      victim.child.kill('SIGKILL');
      return victim.exit;
    })();

    const answers = (await Promise.all(manual)).flat();
    const killed = await kill;
    expect({ code: killed.code, signal: killed.signal }).toEqual({ code: null, signal: 'SIGKILL' });

    const final = await waitFor(
      'every ticket to be breached, escalated for its breach, and have nothing due (the sweep takes over what the killed worker held)',
      async () => {
        const states = await ticketStates(api, tenant.id);
        return settled(states) ? states : null;
      },
      120_000,
      250,
    );
    // Give the surviving workers a few more sweeps to do anything twice.
    await sleep(3000);
    expect(survivors.every((worker) => worker.alive())).toBe(true);
    expect(await ticketStates(api, tenant.id)).toEqual(final);

    // The api's answers: a winner or a conflict, never an error; at most one winner per ticket.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 409)).toEqual([]);
    const won = answers.filter((a) => a.status === 200);
    expect(won.every((a) => a.outcome === 'escalated')).toBe(true);
    expect(Object.values(countBy(won, (a) => a.ticket)).every((n) => n === 1)).toBe(true);
    const manualRows: Array<{ ticket_id: string }> = await dataSourceOf(api).query(
      "SELECT ticket_id FROM ticket_escalations WHERE tenant_id = $1 AND trigger = 'manual'",
      [tenant.id],
    );
    expect(manualRows.map((r) => r.ticket_id).sort()).toEqual(won.map((a) => a.ticket).sort());

    await assertExactlyOnce(api, tenant.id, TICKETS);

    // The survivors still shut down cleanly.
    for (const worker of survivors) {
      const exit = await worker.stop();
      expect({ worker: worker.name, code: exit?.code }).toEqual({ worker: worker.name, code: 0 });
    }
  });

  it('recovery: with the delayed checks gone from Redis, a worker started later escalates every breached ticket exactly once by its sweep', async () => {
    expect(workers).toEqual([]); // no worker at all on this database
    const prefix = dedicatedPrefix('sla-recovery');
    const api = await startApiHere(prefix);
    const tenant = await createTenant(api);
    await putPolicy(api, tenant, 'high', { first_response_minutes: 3 * SECOND, resolution_minutes: 30, escalation_chain: CHAIN3 });
    const TICKETS = 12;
    const tickets = await Promise.all(Array.from({ length: TICKETS }, () => newTicket(api, tenant.adminToken, { priority: 'high' })));
    const lastDue = new Date(Math.max(...tickets.map((ticket) => new Date(ticket.first_response_due_at).getTime())));

    // The api scheduled one delayed check per ticket; Redis loses them all.
    const queue = new Queue(QUEUES.sla, { connection: redisConnectionOptions(testRedisUrl()), prefix: `${prefix}:bull` });
    queues.push(queue);
    const delayedChecks = async () => (await queue.getDelayed()).filter((job) => job.name === SLA_JOBS.checkTicket).length;
    expect(await delayedChecks()).toBe(TICKETS);
    expect(await deleteKeysUnder(prefix)).toBeGreaterThan(0);
    expect(await queue.getDelayedCount()).toBe(0);

    // Past every breach instant with no worker running: nothing happened.
    await sleepUntil(lastDue, 1000);
    const before = await ticketStates(api, tenant.id);
    expect(before.filter((s) => s.breaches > 0 || s.escalation_level > 0)).toEqual([]);

    const [worker] = await startWorkers(1, prefix, 'recovery');
    const final = await waitFor(
      'the sweep to escalate every breached ticket',
      async () => {
        const states = await ticketStates(api, tenant.id);
        return settled(states) ? states : null;
      },
      60_000,
      250,
    );
    await sleep(3000);
    expect(await ticketStates(api, tenant.id)).toEqual(final);
    expect(final.map((s) => s.escalation_level)).toEqual(Array(TICKETS).fill(1));
    await assertExactlyOnce(api, tenant.id, TICKETS);

    // It was the sweep: the worker never ran a delayed check (there were none left, and the next
    // ones, at the resolution's near-breach, are half an hour away).
    expect(await metricValue(worker, 'helpdesk_sla_tickets_examined_total', { source: 'timer' })).toBe(0);
    expect(await metricValue(worker, 'helpdesk_sla_tickets_examined_total', { source: 'sweep' })).toBeGreaterThanOrEqual(TICKETS);
    expect(await delayedChecks()).toBe(TICKETS);
  });

  describe('a ticket edited after its breach instant, before any worker acted on the breach', () => {
    /** Two tickets breach with no worker running; an agent then tags one of them. */
    async function breachWhileDown(label: string) {
      expect(workers).toEqual([]); // no worker at all on this database
      const prefix = dedicatedPrefix(label);
      const api = await startApiHere(prefix);
      const tenant = await createTenant(api);
      await putPolicy(api, tenant, 'high', { first_response_minutes: 3 * SECOND, resolution_minutes: 30, escalation_chain: CHAIN3 });
      const edited = await newTicket(api, tenant.adminToken, { priority: 'high' });
      const untouched = await newTicket(api, tenant.adminToken, { priority: 'high' });
      await sleepUntil(edited.first_response_due_at, 500);
      const patched = await request(api.url)
        .patch(`/api/v1/tickets/${edited.id}`)
        .set(...bearer(tenant.adminToken))
        .set('if-match', `"${edited.version}"`)
        .send({ tags: ['late'] });
      expect(patched.status).toBe(200);
      const levelOf = async (id: string) => (await ticketStates(api, tenant.id)).find((state) => state.id === id)!.escalation_level;
      return { api, prefix, tenant, edited, untouched, levelOf };
    }

    it('its delayed check, still waiting in Redis, acts when a worker starts', async () => {
      const { api, prefix, tenant, edited, untouched, levelOf } = await breachWhileDown('sla-late-edit');
      await startWorkers(1, prefix, 'late-edit');
      await waitFor('the untouched ticket to escalate', async () => (await levelOf(untouched.id)) === 1, 20_000);
      await waitFor('the edited ticket to escalate too', async () => (await levelOf(edited.id)) === 1, 10_000);
      await sleep(2000);
      await assertExactlyOnce(api, tenant.id, 2);
    });

    // Fails as of this writing: the api's change recomputes next_sla_check_at with
    // nextSlaEventAt(now) (slaColumns in libs/core/src/tickets/ticket-sla.ts), which skips the
    // past, un-acted breach instant; the sweep only looks at next_sla_check_at <= now, so the
    // breach waits for the ticket's next instant (here the resolution's near breach, 24 min).
    it('with the delayed checks lost as well, the sweep still finds and escalates it', async () => {
      const { api, prefix, tenant, edited, untouched, levelOf } = await breachWhileDown('sla-late-edit-lost');
      const next = (await ticketStates(api, tenant.id)).find((state) => state.id === edited.id)!.next_sla_check_at;
      await deleteKeysUnder(prefix);
      await startWorkers(1, prefix, 'late-edit-lost');
      await waitFor('the untouched ticket to escalate', async () => (await levelOf(untouched.id)) === 1, 20_000);
      await waitFor(
        `the edited ticket to escalate too (the edit set its next_sla_check_at to ${next && new Date(next).toISOString()}, out of the sweep's reach)`,
        async () => (await levelOf(edited.id)) === 1,
        10_000,
      );
      await sleep(2000);
      await assertExactlyOnce(api, tenant.id, 2);
    });
  });

  it('a delayed check that finds the ticket locked by a concurrent change tries again, rather than leaving the breach to the next sweep', async () => {
    expect(workers).toEqual([]);
    const prefix = dedicatedPrefix('sla-busy');
    const api = await startApiHere(prefix);
    const tenant = await createTenant(api);
    await putPolicy(api, tenant, 'high', { first_response_minutes: 4 * SECOND, resolution_minutes: 30, escalation_chain: CHAIN3 });
    // The sweep runs at start and then not for ten minutes: only the delayed check can act in time.
    await startWorkers(1, prefix, 'busy', { SLA_SWEEP_INTERVAL_SECONDS: '600' });
    const ticket = await newTicket(api, tenant.adminToken, { priority: 'high' });
    const due = new Date(ticket.first_response_due_at);

    // A long transaction (an agent's change, say) holds the ticket's row across the breach instant.
    const holder = dataSourceOf(api).createQueryRunner();
    await holder.connect();
    try {
      await sleepUntil(due, -1000);
      await holder.startTransaction();
      await holder.query('SELECT id FROM tickets WHERE id = $1 FOR UPDATE', [ticket.id]);
      await sleepUntil(due, 1500);
      expect((await holder.query('SELECT escalation_level FROM tickets WHERE id = $1', [ticket.id]))[0].escalation_level).toBe(0);
      await holder.commitTransaction();
    } finally {
      await holder.release();
    }
    await waitFor(
      'the breach to be escalated once the lock is gone (the next sweep is ten minutes away)',
      async () => (await ticketStates(api, tenant.id))[0].escalation_level === 1,
      15_000,
    );
    await assertExactlyOnce(api, tenant.id, 1);
  });
});
