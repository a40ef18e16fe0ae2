import { DataSource } from 'typeorm';
import { createDataSource, TicketsRepository } from '@helpdesk/database';
import { currentSlaState, deriveSlaState, SlaClock, slaMilestones, SlaState, SlaTerms, TicketStatus } from '@helpdesk/domain';
import { testDatabaseUrl, uniqueSlug } from '@helpdesk/testing';

/**
 * The agreement test for sla_state: ticket lists compute it in SQL from the stored instants
 * (LIVE_SLA_STATE in tickets.repository.ts), the api's SLA view and the worker in the domain
 * (currentSlaState, deriveSlaState). For every case, a ticket row is written as the api would
 * have written it at its last change (the state derived then, the instants from the domain), and
 * the state PostgreSQL reads back now must be the domain's now, and the one written here by hand.
 * Instants sit minutes away from now, so the moment each side takes as now does not matter.
 */

const MINUTE = 60_000;
// Warnings at 45 of 60 minutes (first response) and 180 of 240 (resolution).
const TERMS: SlaTerms = {
  first_response_minutes: 60,
  resolution_minutes: 240,
  near_breach_ratio: 0.25,
  near_breach_minutes: null,
  business_hours: null,
  pause_statuses: ['awaiting_customer', 'awaiting_third_party'],
};

interface Case {
  label: string;
  status: TicketStatus;
  /** Minutes before now: when the ticket was created, responded to, resolved, paused, last written. */
  started: number;
  responded?: number;
  resolved?: number;
  /** When the work ended another way (wont_fix, closed unresolved): the clock stopped, the row keeps no instant. */
  finished?: number;
  paused?: number;
  /** Business minutes of earlier, closed pauses. */
  pausedMinutes?: number;
  written: number;
  /** No SLA policy: no instants, the stored default state. */
  noPolicy?: boolean;
  expected: SlaState;
}

// prettier-ignore
const CASES: Case[] = [
  { label: 'new, well within both targets', status: 'new', started: 10, written: 10, expected: 'on_track' },
  { label: 'first response past its warning, not written since', status: 'new', started: 50, written: 50, expected: 'near_breach' },
  { label: 'first response past due, no worker yet', status: 'open', started: 90, written: 90, expected: 'breached' },
  { label: 'first response past due, the worker stored it', status: 'open', started: 90, written: 20, expected: 'breached' },
  { label: 'answered in time, resolution on track', status: 'in_progress', started: 100, responded: 50, written: 50, expected: 'on_track' },
  { label: 'answered late: breached when the reply was written', status: 'in_progress', started: 100, responded: 20, written: 20, expected: 'breached' },
  { label: 'resolution past its warning', status: 'in_progress', started: 200, responded: 170, written: 170, expected: 'near_breach' },
  { label: 'resolution past due', status: 'in_progress', started: 300, responded: 290, written: 290, expected: 'breached' },
  { label: 'paused before any warning', status: 'awaiting_customer', started: 40, paused: 30, written: 30, expected: 'paused' },
  { label: 'paused after its warning: paused wins', status: 'awaiting_customer', started: 55, paused: 5, written: 5, expected: 'paused' },
  { label: 'paused before the due instant that wall time has passed', status: 'awaiting_third_party', started: 100, paused: 90, written: 90, expected: 'paused' },
  { label: 'paused after a breach: still breached', status: 'awaiting_customer', started: 120, paused: 10, written: 10, expected: 'breached' },
  { label: 'resumed: earlier pauses push the warning to just past', status: 'open', started: 100, pausedMinutes: 50, written: 20, expected: 'near_breach' },
  { label: 'resumed: earlier pauses keep it on track', status: 'open', started: 100, pausedMinutes: 80, written: 20, expected: 'on_track' },
  { label: 'resumed: due passed even with the pauses', status: 'open', started: 200, pausedMinutes: 30, written: 20, expected: 'breached' },
  { label: 'reopened on track, now past the resolution warning', status: 'open', started: 190, responded: 180, written: 20, expected: 'near_breach' },
  { label: 'resolved in time', status: 'resolved', started: 100, responded: 80, resolved: 10, written: 10, expected: 'met' },
  { label: 'resolved late', status: 'resolved', started: 300, responded: 290, resolved: 10, written: 10, expected: 'breached' },
  { label: 'resolved in time, answered late', status: 'resolved', started: 100, responded: 20, resolved: 10, written: 10, expected: 'breached' },
  { label: 'closed after resolving in time, long ago', status: 'closed', started: 900, responded: 890, resolved: 800, written: 700, expected: 'met' },
  { label: 'wont_fix before the first response was due', status: 'wont_fix', started: 100, finished: 70, written: 70, expected: 'met' },
  { label: 'wont_fix after the first response was due', status: 'wont_fix', started: 100, finished: 20, written: 20, expected: 'breached' },
  { label: 'closed from awaiting_customer in time, due long passed since', status: 'closed', started: 600, responded: 590, finished: 500, written: 500, expected: 'met' },
  { label: 'no SLA policy', status: 'open', started: 900, written: 900, noPolicy: true, expected: 'on_track' },
];

const ago = (now: number, minutes: number | undefined) => (minutes === undefined ? null : new Date(now - minutes * MINUTE));

/** The clock as the api holds it at its last write; a finished ticket's clock stopped when it finished. */
function clockOf(c: Case, now: number): SlaClock {
  return {
    started_at: ago(now, c.started)!,
    paused_at: ago(now, c.paused),
    paused_minutes: c.pausedMinutes ?? 0,
    first_responded_at: ago(now, c.responded),
    resolved_at: ago(now, c.resolved ?? c.finished),
  };
}

describe('sla_state: the SQL of ticket lists and the domain agree', () => {
  let dataSource: DataSource;
  let tickets: TicketsRepository;
  let tenantId: string;
  const ids = new Map<string, Case>();
  /** The domain's state of each case at the moment the rows were read. */
  const domainState = new Map<string, SlaState>();
  const sqlState = new Map<string, SlaState>();

  beforeAll(async () => {
    dataSource = await createDataSource(testDatabaseUrl(), 2).initialize();
    tickets = new TicketsRepository(dataSource);
    const slug = uniqueSlug('sla');
    [{ id: tenantId }] = await dataSource.query('INSERT INTO tenants (name, slug) VALUES ($1, $2) RETURNING id', [`SLA ${slug}`, slug]);
    const now = Date.now();
    for (const c of CASES) {
      const clock = clockOf(c, now);
      const milestones = c.noPolicy ? null : slaMilestones(TERMS, clock);
      const stored: SlaState = c.noPolicy ? 'on_track' : deriveSlaState(TERMS, clock, new Date(now - c.written * MINUTE));
      const [{ id }] = await dataSource.query(
        `INSERT INTO tickets (tenant_id, title, type, priority, status, created_at, first_responded_at, resolved_at, sla_paused_at, sla_paused_seconds, sla_state,
                              first_response_due_at, first_response_warn_at, resolution_due_at, resolution_warn_at)
         VALUES ($1, $2, 'support', 'high', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        [
          tenantId,
          c.label,
          c.status,
          clock.started_at,
          clock.first_responded_at,
          // The row keeps resolved_at for resolved tickets only (and closed ones resolved before).
          ago(now, c.resolved),
          clock.paused_at,
          clock.paused_minutes * 60,
          stored,
          milestones?.first_response.due_at ?? null,
          milestones?.first_response.near_breach_at ?? null,
          milestones?.resolution.due_at ?? null,
          milestones?.resolution.near_breach_at ?? null,
        ],
      );
      ids.set(id, c);
    }
    const readAt = new Date();
    for (const [id, c] of ids) {
      const row = (await tickets.findById(tenantId, id))!;
      sqlState.set(id, row.sla_state);
      // The domain reads the same row: its stored state and its clock (a finished one stopped when it finished).
      const [{ sla_state: stored }] = await dataSource.query('SELECT sla_state FROM tickets WHERE id = $1', [id]);
      domainState.set(id, c.noPolicy ? stored : currentSlaState(stored, row.status, TERMS, clockOf(c, now), readAt));
    }
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  it('covers every state, open and done tickets, paused clocks and earlier pauses', () => {
    expect(new Set(CASES.map((c) => c.expected))).toEqual(new Set(['on_track', 'near_breach', 'breached', 'paused', 'met']));
    expect(CASES.some((c) => c.paused !== undefined) && CASES.some((c) => c.pausedMinutes) && CASES.some((c) => c.finished !== undefined)).toBe(true);
    expect(ids.size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.label, c] as const))('%s', (label, c) => {
    const id = [...ids].find(([, each]) => each === c)![0];
    expect({ label, sql: sqlState.get(id), domain: domainState.get(id) }).toEqual({ label, sql: c.expected, domain: c.expected });
  });

  it('the list filter on sla_state selects by the same computation', async () => {
    for (const state of ['on_track', 'near_breach', 'breached', 'paused', 'met'] as const) {
      const page = await tickets.list(tenantId, {
        filter: { sla_state: [state] },
        access: { sql: 'TRUE', params: {} },
        sort: 'created_at',
        descending: false,
        limit: 100,
      });
      const expected = CASES.filter((c) => c.expected === state)
        .map((c) => c.label)
        .sort();
      expect({ state, selected: page.data.map((row) => row.title).sort() }).toEqual({ state, selected: expected });
    }
  });
});
