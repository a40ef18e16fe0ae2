import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { SlaMonitorService } from '@helpdesk/core';
import { TicketsRepository } from '@helpdesk/database';
import { auditHash } from '@helpdesk/domain';
import { jobOptionsOf, slaCheckJobId, SLA_JOBS, SLA_QUEUE } from '@helpdesk/queue';
import { cpuSeconds, withClient } from '../common';
import { elapsed, optionalTicketColumns, SEED_SOURCE, warnAt } from './seed';

/**
 * Makes `n` seeded tickets (at level 0, check parked) newly breached: created 1.5 first-response
 * windows ago, so the first response is overdue and past its near-breach instant while the
 * resolution is not even near breach (its warning comes at 0.8 of a window 3 to 8 times longer).
 * Due dates and warning instants follow from created_at as the app computes them (the monitor
 * recomputes them anyway); next_sla_check_at = now() - 1 s. Returns the tickets' ids.
 */
export async function makeBreached(url: string, tenantId: string, n: number): Promise<string[]> {
  return withClient(url, async (client) => {
    const warn = [...(await optionalTicketColumns(client))].map((c) => `${c} = ${warnAt(c, 'a.created_at', 'a')}, `).join('');
    const { rows } = await client.query<{ id: string }>(
      `WITH chosen AS (
         SELECT id FROM tickets WHERE tenant_id = $1 AND source = $2 AND escalation_level = 0 AND next_sla_check_at > now() + interval '5 years'
         ORDER BY id LIMIT $3),
       aged AS (
         SELECT t.id, now() - p.first_response_minutes::float8 * 1.5 * interval '1 minute' AS created_at, p.first_response_minutes, p.resolution_minutes, p.near_breach_ratio
         FROM tickets t JOIN chosen c ON c.id = t.id JOIN sla_policies p ON p.id = t.sla_policy_id)
       UPDATE tickets t SET created_at = a.created_at, updated_at = a.created_at, ${warn}
         first_response_due_at = a.created_at + a.first_response_minutes::float8 * interval '1 minute',
         resolution_due_at = a.created_at + a.resolution_minutes::float8 * interval '1 minute',
         sla_state = 'on_track', next_sla_check_at = now() - interval '1 second'
       FROM aged a WHERE t.id = a.id RETURNING t.id`,
      [tenantId, SEED_SOURCE, n],
    );
    return rows.map((r) => r.id);
  });
}

/** Parks the check of these tickets again (after an experiment that rolled back). */
export async function park(url: string, ids: string[]): Promise<void> {
  await withClient(url, (client) =>
    client.query(`UPDATE tickets SET next_sla_check_at = now() + interval '10 years' + random() * interval '1000000 seconds' WHERE id = ANY($1::uuid[])`, [
      ids,
    ]),
  );
}

export async function dueNow(url: string): Promise<number> {
  return withClient(url, async (client) =>
    Number(
      (
        await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM tickets WHERE next_sla_check_at IS NOT NULL AND status NOT IN ('resolved', 'closed', 'wont_fix') AND next_sla_check_at <= now()`,
        )
      ).rows[0].n,
    ),
  );
}

export interface Verification {
  escalations: number;
  distinctTickets: number;
  firstResponse0to1: number;
  duplicates: number;
  atLevel1: number;
  aboveLevel1: number;
  breachedState: number;
  stillDue: number;
  nearBreachEvents: number;
  breachedEvents: number;
  escalatedEvents: number;
  outbox: number;
  audit: number;
  ok: boolean;
}

/** What the database holds for these tickets: exactly one escalation each, and its trail. */
export async function verify(url: string, ids: string[], since: Date): Promise<Verification> {
  return withClient(url, async (client) => {
    const one = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows[0];
    const e = await one(
      `SELECT count(*)::int AS total, count(DISTINCT ticket_id)::int AS tickets,
              count(*) FILTER (WHERE trigger = 'first_response_breach' AND from_level = 0 AND to_level = 1 AND actor_type = 'system')::int AS fr
       FROM ticket_escalations WHERE ticket_id = ANY($1::uuid[])`,
      [ids],
    );
    const d = await one(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ticket_escalations WHERE ticket_id = ANY($1::uuid[]) GROUP BY ticket_id, breach_key HAVING count(*) > 1) d`,
      [ids],
    );
    const t = await one(
      `SELECT count(*) FILTER (WHERE escalation_level = 1)::int AS l1, count(*) FILTER (WHERE escalation_level > 1)::int AS above,
              count(*) FILTER (WHERE sla_state = 'breached')::int AS breached, count(*) FILTER (WHERE next_sla_check_at <= now())::int AS due
       FROM tickets WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const ev = await one(
      `SELECT count(*) FILTER (WHERE kind = 'near_breach')::int AS near, count(*) FILTER (WHERE kind = 'breached')::int AS breached,
              count(*) FILTER (WHERE kind = 'escalated')::int AS escalated FROM sla_events WHERE ticket_id = ANY($1::uuid[])`,
      [ids],
    );
    const o = await one('SELECT count(*)::int AS n FROM outbox_events WHERE aggregate_id = ANY($1::uuid[]) AND created_at >= $2', [ids, since]);
    const a = await one(`SELECT count(*)::int AS n FROM ticket_audit WHERE ticket_id = ANY($1::uuid[]) AND action = 'escalated' AND created_at >= $2`, [
      ids,
      since,
    ]);
    const n = ids.length;
    return {
      escalations: e.total,
      distinctTickets: e.tickets,
      firstResponse0to1: e.fr,
      duplicates: d.n,
      atLevel1: t.l1,
      aboveLevel1: t.above,
      breachedState: t.breached,
      stillDue: t.due,
      nearBreachEvents: ev.near,
      breachedEvents: ev.breached,
      escalatedEvents: ev.escalated,
      outbox: o.n,
      audit: a.n,
      ok: e.total === n && e.tickets === n && e.fr === n && d.n === 0 && t.l1 === n && t.above === 0 && t.due === 0,
    };
  });
}

/** CPU seconds (user + system) of processes, from /proc; pids that are gone count as 0. */
export function cpuSecondsOf(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuSeconds(pid) ?? 0]));
}

/** The PostgreSQL backends serving a database (other than the asking one). */
export async function backendPids(url: string): Promise<number[]> {
  return withClient(url, async (client) =>
    (await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map(
      (r) => r.pid,
    ),
  );
}

/**
 * What-if A: the app's own SlaMonitorService.checkTicket, unchanged, over the same pages of due
 * tickets, but `concurrency` checks at a time instead of one (tickets are independent: each check
 * locks its ticket with SKIP LOCKED and is idempotent).
 */
export async function parallelSweep(
  app: INestApplicationContext,
  batchSize: number,
  concurrency: number,
): Promise<{ examined: number; escalations: number; ms: number }> {
  const tickets = app.get(TicketsRepository);
  const monitor = app.get(SlaMonitorService);
  const started = process.hrtime.bigint();
  const now = new Date();
  let after: { at: Date; id: string } | null = null;
  let examined = 0;
  let escalations = 0;
  for (;;) {
    const due = await tickets.dueForSlaCheck(now, batchSize, after);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, due.length) }, async () => {
        while (next < due.length) {
          const ticket = due[next++];
          const result = await monitor.checkTicket(ticket.tenant_id, ticket.id, 'sweep', new Date());
          examined += 1;
          escalations += result.escalations;
        }
      }),
    );
    if (due.length < batchSize) break;
    const last = due[due.length - 1];
    after = { at: last.next_sla_check_at, id: last.id };
  }
  return { examined, escalations, ms: elapsed(started) };
}

interface LockedTicket {
  id: string;
  tenant_id: string;
  created_at: Date;
  escalation_level: number;
  owner_role: string | null;
  breached_at: Date | null;
  first_response_minutes: string;
  resolution_minutes: string;
  near_breach_ratio: string;
  escalation_chain: string[];
}

/**
 * What-if B: a set-based sketch of the same sweep, one transaction per page instead of per ticket,
 * writing the same rows as the monitor (near_breach and breached events, escalation, escalated
 * event, audit row chained to the ticket's previous hash, three outbox events, the ticket's level,
 * owner and SLA columns in one UPDATE) with ~10 statements per page, then the page's next checks
 * as one Redis round trip (Queue.addBulk). Every page is ROLLED BACK (its commit, one WAL flush
 * per page instead of per ticket, is not timed) and the added jobs are removed: nothing is kept.
 * A bench-only estimate of what batching could give, not the app's code; it handles only the
 * case measured here (first response breached, level 0 → 1, no pause, no business hours).
 */
export async function setBasedSketch(
  url: string,
  tenantId: string,
  batchSize: number,
  queue: Queue,
): Promise<{ tickets: number; statements: number; sqlMs: number; redisMs: number; ms: number; byStatement: Array<[string, number]> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const started = process.hrtime.bigint();
  let statements = 0;
  let sqlMs = 0;
  let redisMs = 0;
  let tickets = 0;
  const jobIds: string[] = [];
  const byStatement = new Map<string, number>();
  const q = async <R extends object>(sql: string, params: unknown[] = []): Promise<R[]> => {
    const t0 = process.hrtime.bigint();
    try {
      return (await client.query(sql, params)).rows as R[];
    } finally {
      const ms = elapsed(t0);
      const text = sql.replace(/\s+/g, ' ').trim();
      const label = /^SELECT /.test(text)
        ? text.replace(/^SELECT (DISTINCT ON \(\w+\) )?.*? FROM (\w+).*$/, 'SELECT $1… FROM $2')
        : text.replace(/^(INSERT INTO \w+|UPDATE \w+|\w+).*$/, '$1');
      byStatement.set(label, (byStatement.get(label) ?? 0) + ms);
      statements += 1;
      sqlMs += ms;
    }
  };
  try {
    const now = new Date();
    const due = await q<{ id: string }>(
      `SELECT id FROM tickets WHERE next_sla_check_at IS NOT NULL AND status NOT IN ('resolved', 'closed', 'wont_fix') AND next_sla_check_at <= $1
       ORDER BY next_sla_check_at, id`,
      [now],
    );
    for (let i = 0; i < due.length; i += batchSize) {
      const page = due.slice(i, i + batchSize).map((r) => r.id);
      const at = new Date();
      await q('BEGIN');
      const locked = await q<LockedTicket>(
        `SELECT t.id, t.tenant_id, t.created_at, t.escalation_level, t.owner_role, t.breached_at,
                p.first_response_minutes, p.resolution_minutes, p.near_breach_ratio, p.escalation_chain
         FROM tickets t JOIN sla_policies p ON p.id = t.sla_policy_id
         WHERE t.id = ANY($1::uuid[]) FOR NO KEY UPDATE OF t SKIP LOCKED`,
        [page],
      );
      const rows = locked.map((t) => {
        const created = t.created_at.getTime();
        const dueAt = new Date(created + Math.round(Number(t.first_response_minutes) * 60_000));
        const resolutionWarn = new Date(created + Math.round(Number(t.resolution_minutes) * (1 - Number(t.near_breach_ratio)) * 60_000));
        return {
          t,
          dueIso: dueAt.toISOString(),
          window: `first_response@${dueAt.toISOString()}`,
          next: new Date(resolutionWarn.getTime() + 1),
          toRole: t.escalation_chain[t.escalation_level + 1],
          breachedAt: t.breached_at ?? dueAt,
        };
      });
      const ids = rows.map((r) => r.t.id);
      // near_breach and breached, once per window
      await q(
        `INSERT INTO sla_events (tenant_id, ticket_id, kind, target, details, window_key, occurred_at)
         SELECT $1, u.ticket_id, u.kind, 'first_response', jsonb_build_object('due_at', u.due), u.window_key, $2
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) AS u(ticket_id, kind, due, window_key)
         ON CONFLICT (ticket_id, kind, window_key) WHERE window_key IS NOT NULL DO NOTHING`,
        [
          tenantId,
          at,
          [...ids, ...ids],
          [...ids.map(() => 'near_breach'), ...ids.map(() => 'breached')],
          [...rows.map((r) => r.dueIso), ...rows.map((r) => r.dueIso)],
          [...rows.map((r) => r.window), ...rows.map((r) => r.window)],
        ],
      );
      // latest escalation of each breach (none here): one query for the page
      await q(
        `SELECT DISTINCT ON (ticket_id) ticket_id, acknowledged_at FROM ticket_escalations WHERE ticket_id = ANY($1::uuid[]) AND breach_key = ANY($2::text[]) ORDER BY ticket_id, created_at DESC`,
        [ids, rows.map((r) => r.window)],
      );
      // level (compare-and-set), owner and SLA columns in one UPDATE
      const moved = await q<{ id: string }>(
        `UPDATE tickets t SET escalation_level = u.to_level, owner_role = u.to_role, version = t.version + 1, updated_at = $1,
           sla_state = 'breached', next_sla_check_at = u.next, breached_at = u.breached_at
         FROM unnest($2::uuid[], $3::int[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[]) AS u(id, from_level, to_level, to_role, next, breached_at)
         WHERE t.id = u.id AND t.escalation_level = u.from_level RETURNING t.id`,
        [
          at,
          ids,
          rows.map((r) => r.t.escalation_level),
          rows.map((r) => r.t.escalation_level + 1),
          rows.map((r) => r.toRole),
          rows.map((r) => r.next),
          rows.map((r) => r.breachedAt),
        ],
      );
      const movedIds = new Set(moved.map((m) => m.id));
      const esc = rows.filter((r) => movedIds.has(r.t.id));
      await q(
        `INSERT INTO ticket_escalations (tenant_id, ticket_id, from_level, to_level, from_role, to_role, trigger, breach_key, reason, chain_exhausted, actor_type, created_at)
         SELECT $1, u.ticket_id, u.from_level, u.from_level + 1, u.from_role, u.to_role, 'first_response_breach', u.breach_key, 'first response target breached', u.exhausted, 'system', $2
         FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::bool[]) AS u(ticket_id, from_level, from_role, to_role, breach_key, exhausted)
         ON CONFLICT (ticket_id, to_level, breach_key) DO NOTHING RETURNING id`,
        [
          tenantId,
          at,
          esc.map((r) => r.t.id),
          esc.map((r) => r.t.escalation_level),
          esc.map((r) => r.t.owner_role),
          esc.map((r) => r.toRole),
          esc.map((r) => r.window),
          esc.map((r) => r.t.escalation_level + 1 === r.t.escalation_chain.length - 1),
        ],
      );
      await q(
        `INSERT INTO sla_events (tenant_id, ticket_id, kind, target, details, window_key, occurred_at)
         SELECT $1, u.ticket_id, 'escalated', NULL, jsonb_build_object('from_level', u.from_level, 'to_level', u.from_level + 1, 'to_role', u.to_role, 'trigger', 'first_response_breach'), NULL, $2
         FROM unnest($3::uuid[], $4::int[], $5::text[]) AS u(ticket_id, from_level, to_role)`,
        [tenantId, at, esc.map((r) => r.t.id), esc.map((r) => r.t.escalation_level), esc.map((r) => r.toRole)],
      );
      // audit rows, each chained to its ticket's previous hash
      const last = await q<{ ticket_id: string; hash: string }>(
        `SELECT DISTINCT ON (ticket_id) ticket_id, hash FROM ticket_audit WHERE tenant_id = $1 AND ticket_id = ANY($2::uuid[]) ORDER BY ticket_id, seq DESC`,
        [tenantId, esc.map((r) => r.t.id)],
      );
      const previous = new Map(last.map((l) => [l.ticket_id, l.hash]));
      const audit = esc.map((r) => {
        const changes = {
          escalation_level: { old: r.t.escalation_level, new: r.t.escalation_level + 1 },
          owner_role: { old: r.t.owner_role, new: r.toRole },
          trigger: 'first_response_breach',
          reason: 'first response target breached',
        };
        const content = {
          id: randomUUID(),
          tenant_id: tenantId,
          ticket_id: r.t.id,
          actor_type: 'system' as const,
          actor_id: null,
          action: 'escalated',
          changes,
          ip: null,
          request_id: null,
          created_at: at,
        };
        const prev = previous.get(r.t.id) ?? null;
        return { content, prev, hash: auditHash(prev, content) };
      });
      await q(
        `INSERT INTO ticket_audit (id, tenant_id, ticket_id, actor_type, action, changes, created_at, prev_hash, hash)
         SELECT u.id, $1, u.ticket_id, 'system', 'escalated', u.changes, $2, u.prev_hash, u.hash FROM unnest($3::uuid[], $4::uuid[], $5::jsonb[], $6::text[], $7::text[]) AS u(id, ticket_id, changes, prev_hash, hash)`,
        [
          tenantId,
          at,
          audit.map((a) => a.content.id),
          audit.map((a) => a.content.ticket_id),
          audit.map((a) => JSON.stringify(a.content.changes)),
          audit.map((a) => a.prev),
          audit.map((a) => a.hash),
        ],
      );
      // the three outbox events of each ticket
      const types = ['sla.near_breach', 'sla.breached', 'ticket.escalated'];
      await q(
        `INSERT INTO outbox_events (tenant_id, aggregate_type, aggregate_id, type, payload, created_at)
         SELECT $1, 'ticket', u.id, u.type, u.payload, $2 FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) AS u(id, type, payload)`,
        [
          tenantId,
          at,
          esc.flatMap((r) => types.map(() => r.t.id)),
          esc.flatMap(() => types),
          esc.flatMap((r) => types.map((type) => JSON.stringify({ ticket_id: r.t.id, target: 'first_response', due_at: r.dueIso, type }))),
        ],
      );
      await q('ROLLBACK');
      tickets += esc.length;
      // the page's next checks, one Redis round trip
      const t0 = process.hrtime.bigint();
      const jobs = esc.map((r) => ({
        name: SLA_JOBS.checkTicket,
        data: { tenant_id: tenantId, ticket_id: r.t.id, due_at: r.next.toISOString() },
        opts: { jobId: slaCheckJobId(r.t.id, r.next), delay: Math.max(0, r.next.getTime() - Date.now()), ...jobOptionsOf(SLA_QUEUE, SLA_JOBS.checkTicket) },
      }));
      await queue.addBulk(jobs);
      redisMs += elapsed(t0);
      jobIds.push(...jobs.map((j) => j.opts.jobId));
    }
    return { tickets, statements, sqlMs, redisMs, ms: elapsed(started), byStatement: [...byStatement].sort((a, b) => b[1] - a[1]) };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
    for (let i = 0; i < jobIds.length; i += 500) await Promise.all(jobIds.slice(i, i + 500).map((id) => queue.remove(id)));
  }
}
