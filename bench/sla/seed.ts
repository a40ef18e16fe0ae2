import { INestApplicationContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { MIGRATIONS } from '../../migrations';
import { withClient } from '../common';
import { TenantProvisioningService } from '@helpdesk/core';
import { dropDatabase, ensureDatabase, runMigrations, TenantsRepository } from '@helpdesk/database';

export const BENCH_TENANT = { name: 'SLA Bench Corp', slug: 'sla-bench', adminEmail: 'admin@sla-bench.example' };
/** Source of the seeded tickets, and of the tickets the lag phase adds (deleted at each run). */
export const SEED_SOURCE = 'bench';
export const LAG_SOURCE = 'bench-lag';
/** Set on the database once seeding has finished; --reuse trusts only a database that carries it. */
const SEEDED_MARK = 'helpdesk-bench-sla seeded';
/** Not due: parked this far ahead (plus one second per ticket, so the index keeps distinct keys). */
const PARKED = "interval '10 years'";

export type Log = (line: string) => void;

export interface SlaFixture {
  tenantId: string;
  ticketCount: number;
}

export function elapsed(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

async function seededMark(url: string): Promise<string | null> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const exists = await withClient(
    admin.toString(),
    async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName(url)])).rowCount ?? 0) > 0,
  );
  if (!exists) return null;
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ comment: string | null }>(
      "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = current_database()",
    );
    const comment = rows[0]?.comment ?? null;
    return comment?.startsWith(SEEDED_MARK) ? comment : null;
  });
}

/**
 * The migrations' own code, hashed: a reused database must have been migrated by exactly these
 * (a migration edited in place after the seed would otherwise go unnoticed).
 */
function schemaFingerprint(): string {
  const hash = createHash('sha256');
  for (const migration of MIGRATIONS) hash.update(migration.toString());
  return hash.digest('hex').slice(0, 12);
}

function markText(tickets: number): string {
  return `${SEEDED_MARK} with ${tickets} tickets, schema ${schemaFingerprint()}`;
}

/** Drops and recreates the bench database (migrated), unless --reuse finds a finished seed of the same size and schema. */
export async function prepareDatabase(url: string, options: { reuse: boolean; tickets: number }, log: Log): Promise<{ reused: boolean }> {
  const mark = options.reuse ? await seededMark(url) : null;
  if (mark && mark.startsWith(`${markText(options.tickets)} `)) {
    log(`Reusing ${databaseName(url)} (${mark})`);
    return { reused: true };
  }
  if (options.reuse) log(`--reuse: ${databaseName(url)} is missing, unfinished, of another size or of other migrations; creating it anew`);
  const started = process.hrtime.bigint();
  await dropDatabase(url);
  await ensureDatabase(url);
  const applied = await runMigrations(url);
  log(`Created ${databaseName(url)} and applied ${applied.length} migration(s) in ${(elapsed(started) / 1000).toFixed(1)} s`);
  return { reused: false };
}

/** The bench tenant, provisioned by the built code (roles, default SLA policies, first admin). */
export async function provisionTenant(app: INestApplicationContext): Promise<string> {
  const existing = await app.get(TenantsRepository).findBySlug(BENCH_TENANT.slug);
  if (existing) return existing.id;
  const result = await app
    .get(TenantProvisioningService)
    .provision({ name: BENCH_TENANT.name, slug: BENCH_TENANT.slug, adminEmail: BENCH_TENANT.adminEmail, adminPassword: null });
  return result.tenant.id;
}

/** Columns the schema may or may not have yet (they arrive with newer migrations): set when present. */
export async function optionalTicketColumns(client: Client): Promise<Set<string>> {
  const { rows } = await client.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'tickets' AND column_name = ANY($1)",
    [['first_response_warn_at', 'resolution_warn_at']],
  );
  return new Set(rows.map((r) => r.column_name));
}

/** SQL of a warning instant: `created` plus the part of the window before the warning (policy alias `p`). */
export function warnAt(column: string, created: string, p: string): string {
  const window = `${p}.${column.startsWith('first') ? 'first_response' : 'resolution'}_minutes`;
  return `${created} + (${window} * (1 - ${p}.near_breach_ratio))::float8 * interval '1 minute'`;
}

/**
 * `tickets` open tickets in one tenant, INSERT ... SELECT generate_series in chunks. Each gets its
 * priority's current policy, due dates (and warning instants) computed from created_at as the app
 * would, its owner role at level 0 of the chain, and its next SLA check parked 10+ years ahead:
 * none is due. The secondary indexes of tickets are dropped for the load and rebuilt after it
 * (sorted builds instead of a million random insertions into each), then VACUUM ANALYZE.
 */
export async function seedTickets(url: string, tenantId: string, tickets: number, log: Log): Promise<void> {
  const started = process.hrtime.bigint();
  const chunk = 250_000;
  await withClient(url, async (client) => {
    await client.query("SET maintenance_work_mem = '512MB'");
    const optional = await optionalTicketColumns(client);
    const warnColumns = [...optional].map((c) => `, ${c}`).join('');
    const warnValues = [...optional].map((c) => `, ${warnAt(c, 'c.at', 'p')}`).join('');
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
       WHERE i.schemaname = 'public' AND i.tablename = 'tickets'
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = 'tickets'::regclass AND c.conname = i.indexname)`,
    );
    for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
    for (let from = 1; from <= tickets; from += chunk) {
      const to = Math.min(tickets, from + chunk - 1);
      const t0 = process.hrtime.bigint();
      await client.query(
        `WITH pol AS (
           SELECT id, priority, first_response_minutes, resolution_minutes, near_breach_ratio, escalation_chain,
                  (row_number() OVER (ORDER BY priority) - 1)::int AS n
           FROM sla_policies WHERE tenant_id = $1 AND is_current)
         INSERT INTO tickets (tenant_id, title, type, priority, status, source, owner_role, sla_policy_id,
           first_response_due_at, resolution_due_at, sla_state, next_sla_check_at, created_at, updated_at${warnColumns})
         SELECT $1, 'SLA bench ticket ' || g, (ARRAY['bug','feature','support','task','question','incident'])[1 + g % 6],
           p.priority, (ARRAY['new','open','in_progress'])[1 + g % 3], '${SEED_SOURCE}', p.escalation_chain[1], p.id,
           c.at + p.first_response_minutes::float8 * interval '1 minute', c.at + p.resolution_minutes::float8 * interval '1 minute',
           'on_track', now() + ${PARKED} + g * interval '1 second', c.at, c.at${warnValues}
         FROM generate_series($2::int, $3::int) AS g
         CROSS JOIN LATERAL (SELECT now() - (g % 3600) * interval '1 second' AS at) c
         JOIN pol p ON p.n = g % 4`,
        [tenantId, from, to],
      );
      log(`  tickets ${from.toLocaleString('en-US')}..${to.toLocaleString('en-US')} in ${(elapsed(t0) / 1000).toFixed(1)} s`);
    }
    const t1 = process.hrtime.bigint();
    for (const index of indexes) await client.query(index.def);
    log(`  rebuilt ${indexes.length} secondary indexes in ${(elapsed(t1) / 1000).toFixed(1)} s`);
    const t2 = process.hrtime.bigint();
    await client.query('VACUUM (ANALYZE) tickets');
    log(`  VACUUM (ANALYZE) tickets in ${(elapsed(t2) / 1000).toFixed(1)} s`);
    const name = databaseName(url);
    await client.query(`COMMENT ON DATABASE "${name.replace(/"/g, '""')}" IS '${markText(tickets)} at ${new Date().toISOString()}'`);
  });
  log(`Seeded ${tickets.toLocaleString('en-US')} tickets in ${(elapsed(started) / 1000).toFixed(1)} s`);
}

/**
 * Puts a reused database back in its seeded state: lag tickets gone, escalation and SLA logs
 * emptied, every seeded ticket at level 0 with its check parked again, then VACUUM. (ticket_audit
 * is append-only by trigger and keeps the audit rows of earlier runs.)
 */
export async function resetState(url: string, tenantId: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('DELETE FROM tickets WHERE tenant_id = $1 AND source = $2', [tenantId, LAG_SOURCE]);
    await client.query('TRUNCATE ticket_escalations, sla_events, outbox_events CASCADE');
    await client.query(
      `UPDATE tickets t SET escalation_level = 0, owner_role = p.escalation_chain[1], sla_state = 'on_track', breached_at = NULL,
         next_sla_check_at = now() + ${PARKED} + random() * interval '1000000 seconds'
       FROM sla_policies p
       WHERE p.id = t.sla_policy_id AND t.tenant_id = $1 AND t.source = $2
         AND (t.escalation_level > 0 OR t.next_sla_check_at IS NULL OR t.next_sla_check_at < now() + interval '5 years')`,
      [tenantId, SEED_SOURCE],
    );
    // Without it the first sweeps walk the dead index entries the runs left at the low end of
    // tickets_sla_check_idx (still well under a millisecond), unlike a fresh seed.
    await client.query('VACUUM (ANALYZE) tickets');
  });
}

export async function ticketCount(url: string, tenantId: string): Promise<number> {
  return withClient(url, async (client) =>
    Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM tickets WHERE tenant_id = $1', [tenantId])).rows[0].n),
  );
}
