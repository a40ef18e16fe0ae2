import { NestFactory } from '@nestjs/core';
import { cpus } from 'node:os';
import { Client } from 'pg';
import { AppConfig } from '@helpdesk/config';
import { hashPassword, TenantProvisioningService } from '@helpdesk/core';
import { dropDatabase, ensureDatabase, runMigrations, TenantsRepository } from '@helpdesk/database';
import { CliModule } from '../../apps/cli/src/cli.module';
import { withClient } from '../common';
import { CONTEXTS, ISSUES, REGIONS, sentences, SUBJECTS, TAGS, TEAM_NAMES, weighted } from './corpus';

export const BENCH_TENANT = { name: 'Bench Corp', slug: 'bench' };
export const BENCH_PASSWORD = 'bench-password-0123456789';
const ADMIN_EMAIL = 'admin@bench.example';
const AGENTS_PER_TEAM = 5;
/** Set on the database once seeding has finished; --reuse trusts only a database that carries it. */
const SEEDED_MARK = 'helpdesk-bench seeded';

/** ~200 users: the provisioned admin plus these. */
const USERS_PER_ROLE: Array<[role: string, count: number]> = [
  ['hq_support', 4],
  ['ops_manager', TEAM_NAMES.length],
  ['ops_agent', TEAM_NAMES.length * AGENTS_PER_TEAM],
  ['franchise_agent', 10],
  ['regional_manager', 4],
  ['finance', 4],
  ['ceo_oncall', 1],
  ['auditor', 2],
  ['requester', 54],
];

export interface BenchFixture {
  tenantId: string;
  adminEmail: string;
  adminId: string;
  /** An ops_agent whose only team is `agentTeamId`. */
  agentEmail: string;
  agentId: string;
  agentTeamId: string;
  password: string;
  teamCount: number;
  userCount: number;
  ticketCount: number;
}

export type Log = (line: string) => void;

function seconds(since: bigint): string {
  return `${(Number(process.hrtime.bigint() - since) / 1e9).toFixed(1)} s`;
}

async function databaseExists(url: string): Promise<boolean> {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  return withClient(admin.toString(), async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0);
}

async function seededMark(url: string): Promise<string | null> {
  if (!(await databaseExists(url))) return null;
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ comment: string | null }>(
      'SELECT shobj_description(oid, $1) AS comment FROM pg_database WHERE datname = current_database()',
      ['pg_database'],
    );
    const comment = rows[0]?.comment ?? null;
    return comment?.startsWith(SEEDED_MARK) ? comment : null;
  });
}

/**
 * Removes what the create scenario wrote (the admin's tickets: no seeded ticket has the admin as
 * requester), so that the next --reuse run lists the same data. Their audit rows stay: the audit
 * trail is append-only.
 */
export async function removeCreatedTickets(url: string, fixture: BenchFixture, log: Log): Promise<void> {
  await withClient(url, async (client) => {
    try {
      await client.query('BEGIN');
      await client.query(
        'DELETE FROM outbox_events WHERE tenant_id = $1 AND aggregate_id IN (SELECT id FROM tickets WHERE tenant_id = $1 AND requester_id = $2)',
        [fixture.tenantId, fixture.adminId],
      );
      const deleted = await client.query('DELETE FROM tickets WHERE tenant_id = $1 AND requester_id = $2', [fixture.tenantId, fixture.adminId]);
      await client.query('COMMIT');
      if (deleted.rowCount) {
        await client.query('VACUUM (ANALYZE) tickets');
        log(`Removed the ${deleted.rowCount} tickets the create scenario added (and vacuumed), so that --reuse measures the seeded data again`);
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      log(`Could not remove the tickets the create scenario added: ${(error as Error).message}`);
    }
  });
}

export async function resetDatabase(url: string, log: Log): Promise<void> {
  await dropDatabase(url);
  log(`Dropped ${new URL(url).pathname.slice(1)}`);
}

/**
 * The bench database, ready to measure: reused as it is when asked to and an earlier run finished
 * seeding it, otherwise created anew, migrated, provisioned and seeded.
 */
export async function prepareDatabase(config: AppConfig, options: { reuse: boolean; tickets: number }, log: Log): Promise<BenchFixture> {
  const url = config.databaseUrl;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const mark = options.reuse ? await seededMark(url) : null;
  if (mark) {
    // The code may have moved on since the seeding: its pending migrations apply to the kept data.
    const applied = await runMigrations(url);
    log(`Reusing ${name} (${mark})${applied.length ? `; applied ${applied.join(', ')}` : ''}`);
  } else {
    if (options.reuse) log(`--reuse: ${name} is missing or was not seeded to the end; creating it anew`);
    const started = process.hrtime.bigint();
    await dropDatabase(url);
    await ensureDatabase(url);
    const applied = await runMigrations(url);
    log(`Created ${name} and applied ${applied.join(', ')} in ${seconds(started)}`);
  }

  const fixture = await provision(config, log);
  if (!mark) {
    await seedTickets(url, fixture, options.tickets, log);
    await withClient(url, (client) =>
      client.query(`COMMENT ON DATABASE "${name.replace(/"/g, '""')}" IS '${SEEDED_MARK} with ${options.tickets} tickets at ${new Date().toISOString()}'`),
    );
  }
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM tickets WHERE tenant_id = $1', [fixture.tenantId]);
    return { ...fixture, ticketCount: Number(rows[0].count) };
  });
}

/** The bench tenant through the built code (TenantProvisioningService), then its teams and users. */
async function provision(config: AppConfig, log: Log): Promise<BenchFixture> {
  const started = process.hrtime.bigint();
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  let tenantId: string;
  let created = false;
  try {
    const existing = await context.get(TenantsRepository).findBySlug(BENCH_TENANT.slug);
    if (existing) {
      tenantId = existing.id;
    } else {
      const result = await context.get(TenantProvisioningService).provision({ ...BENCH_TENANT, adminEmail: ADMIN_EMAIL, adminPassword: BENCH_PASSWORD });
      tenantId = result.tenant.id;
      created = true;
    }
  } finally {
    await context.close();
  }

  return withClient(config.databaseUrl, async (client) => {
    if (created) {
      await client.query('BEGIN');
      const teams = await client.query<{ id: string }>(
        `INSERT INTO teams (tenant_id, name, description)
         SELECT $1, name, 'Bench team ' || n FROM unnest($2::text[]) WITH ORDINALITY AS u(name, n) ORDER BY n RETURNING id`,
        [tenantId, TEAM_NAMES],
      );
      const teamIds = teams.rows.map((r) => r.id);
      // One argon2 hash for everyone: hashing 200 passwords would take longer than seeding a million tickets.
      const passwordHash = await hashPassword(BENCH_PASSWORD);
      for (const [role, count] of USERS_PER_ROLE) {
        for (let i = 0; i < count; i++) {
          const teamIndex = role === 'ops_agent' ? Math.floor(i / AGENTS_PER_TEAM) : role === 'ops_manager' ? i : null;
          const email = `${role.replace(/_/g, '-')}-${String(i + 1).padStart(3, '0')}@bench.example`;
          await client.query(
            `INSERT INTO users (tenant_id, email, name, password_hash, role, team_ids, franchise_id, region)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [
              tenantId,
              email,
              `Bench ${role.replace(/_/g, ' ')} ${i + 1}`,
              passwordHash,
              role,
              teamIndex === null ? [] : [teamIds[teamIndex]],
              role === 'franchise_agent' ? `franchise-${String(i + 1).padStart(3, '0')}` : null,
              role === 'regional_manager' ? REGIONS[i % REGIONS.length] : null,
            ],
          );
        }
      }
      await client.query('COMMIT');
    }
    const agent = await client.query<{ id: string; team_id: string }>(
      `SELECT id, team_ids[1] AS team_id FROM users WHERE tenant_id = $1 AND email = 'ops-agent-001@bench.example'`,
      [tenantId],
    );
    const admin = await client.query<{ id: string }>('SELECT id FROM users WHERE tenant_id = $1 AND email = $2', [tenantId, ADMIN_EMAIL]);
    const counts = await client.query<{ teams: string; users: string }>(
      'SELECT (SELECT count(*) FROM teams WHERE tenant_id = $1) AS teams, (SELECT count(*) FROM users WHERE tenant_id = $1) AS users',
      [tenantId],
    );
    log(
      `${created ? 'Provisioned' : 'Found'} tenant "${BENCH_TENANT.slug}" with ${counts.rows[0].teams} teams and ${counts.rows[0].users} users` +
        (created ? ` in ${seconds(started)}` : ''),
    );
    return {
      tenantId,
      adminEmail: ADMIN_EMAIL,
      adminId: admin.rows[0].id,
      agentEmail: 'ops-agent-001@bench.example',
      agentId: agent.rows[0].id,
      agentTeamId: agent.rows[0].team_id,
      password: BENCH_PASSWORD,
      teamCount: Number(counts.rows[0].teams),
      userCount: Number(counts.rows[0].users),
      ticketCount: 0,
    };
  });
}

/**
 * N tickets in one INSERT ... SELECT over generate_series. The secondary indexes of `tickets` are
 * dropped first and rebuilt afterwards from their own definitions (pg_indexes.indexdef), two at
 * a time, as a bulk load (pg_restore) does; foreign-key triggers are skipped for the load, since
 * every referenced id is picked from rows that exist. Then VACUUM ANALYZE.
 */
async function seedTickets(url: string, fixture: BenchFixture, count: number, log: Log): Promise<void> {
  const total = process.hrtime.bigint();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const teams = (await client.query<{ id: string }>('SELECT id FROM teams WHERE tenant_id = $1 ORDER BY id', [fixture.tenantId])).rows.map((r) => r.id);
    const agents = await client.query<{ id: string; team_id: string }>(
      `SELECT id, team_ids[1] AS team_id FROM users WHERE tenant_id = $1 AND role = 'ops_agent' ORDER BY email`,
      [fixture.tenantId],
    );
    // agentsByTeam[t][a]: a 2-D uuid array, team-major, in the order of `teams`.
    const agentsByTeam = teams.map((team) =>
      agents.rows
        .filter((a) => a.team_id === team)
        .map((a) => a.id)
        .slice(0, AGENTS_PER_TEAM),
    );
    if (agentsByTeam.some((list) => list.length !== AGENTS_PER_TEAM)) throw new Error('every bench team needs its agents');
    const requesters = (
      await client.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND role = 'requester' ORDER BY email`, [fixture.tenantId])
    ).rows.map((r) => r.id);

    const indexes = (
      await client.query<{ name: string; def: string; bytes: string }>(
        `SELECT i.indexname AS name, i.indexdef AS def, pg_relation_size(c.oid) AS bytes
         FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = i.schemaname)
         WHERE i.schemaname = current_schema() AND i.tablename = 'tickets' AND i.indexname <> 'tickets_pkey'`,
      )
    ).rows;
    for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);

    let phase = process.hrtime.bigint();
    const params = [
      fixture.tenantId,
      teams,
      agentsByTeam,
      requesters,
      weighted({ support: 35, question: 20, incident: 15, bug: 15, task: 10, feature: 5 }),
      weighted({ low: 30, medium: 45, high: 20, critical: 5 }),
      weighted({ new: 20, open: 25, in_progress: 30, awaiting_customer: 12, awaiting_third_party: 5, resolved: 8 }),
      weighted({ closed: 62, resolved: 18, wont_fix: 6, open: 4, in_progress: 4, awaiting_customer: 4, awaiting_third_party: 2 }),
      weighted({ email: 35, api: 30, web: 25, slack: 10 }),
      SUBJECTS,
      ISSUES,
      CONTEXTS,
      sentences(600),
      REGIONS,
      TAGS,
    ];
    // The generated search vector (to_tsvector over title and description) is most of the cost of a
    // row and is computed by the backend that inserts it: one INSERT per core, each over its own
    // slice of the series, uses every core.
    const columns = new Set(
      (
        await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tickets'`,
        )
      ).rows.map((r) => r.column_name),
    );
    const sql = seedSql(columns);
    const sessions = Math.max(1, Math.min(4, cpus().length, Math.ceil(count / 50_000)));
    let notSuperuser = false;
    const inserted = await Promise.all(
      Array.from({ length: sessions }, (_, k) =>
        withClient(url, async (session) => {
          await session.query('SET session_replication_role = replica').catch(() => (notSuperuser = true));
          await session.query('SELECT setseed($1)', [0.42 + k / 100]);
          const from = Math.floor((count * k) / sessions) + 1;
          const to = Math.floor((count * (k + 1)) / sessions);
          return (await session.query(sql, [...params, from, to])).rowCount ?? 0;
        }),
      ),
    );
    if (notSuperuser) log('  (not a superuser: foreign keys were checked row by row during the load)');
    log(
      `  INSERT ... SELECT FROM generate_series: ${inserted.reduce((a, b) => a + b, 0)} tickets in ${seconds(phase)} (${sessions} sessions, one slice of the series each)`,
    );

    phase = process.hrtime.bigint();
    await rebuildIndexes(
      url,
      indexes.map((i) => i.def),
      2,
    );
    log(`  ${indexes.length} secondary indexes rebuilt (2 at a time) in ${seconds(phase)}`);

    phase = process.hrtime.bigint();
    await client.query('VACUUM (ANALYZE) tickets');
    await client.query('ANALYZE users, teams, sla_policies');
    log(`  VACUUM ANALYZE in ${seconds(phase)}`);
  } finally {
    await client.end();
  }
  const size = await withClient(url, (c) => c.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('tickets')) AS size`));
  log(`Seeded ${count.toLocaleString('en-US')} tickets in ${seconds(total)} (tickets table with indexes: ${size.rows[0].size})`);
}

/** The GIN index over the search vector is by far the slowest: it goes first, the B-trees share the other session. */
async function rebuildIndexes(url: string, definitions: string[], sessions: number): Promise<void> {
  const queue = [...definitions].sort((a, b) => Number(/USING gin/i.test(b)) - Number(/USING gin/i.test(a)));
  await Promise.all(
    Array.from({ length: sessions }, () =>
      withClient(url, async (client) => {
        await client.query(`SET maintenance_work_mem = '512MB'`);
        await client.query('SET max_parallel_maintenance_workers = 0');
        for (let def = queue.shift(); def; def = queue.shift()) await client.query(def);
      }),
    ),
  );
}

// $1 tenant, $2 team ids, $3 agents by team (uuid[team][agent]), $4 requester ids,
// $5..$9 weighted picks (100 entries each: type, priority, status of recent and of older tickets, source),
// $10 subjects, $11 issues, $12 contexts, $13 sentences, $14 regions, $15 tags,
// $16..$17 the slice of the series this statement inserts.
const pick = (param: string) => `(${param})[1 + floor(random() * cardinality(${param}))::int]`;
/**
 * The SLA warning instants a later migration added beside the due dates are filled too when the
 * schema has them (due date less the near-breach share of the window).
 */
function seedSql(columns: Set<string>): string {
  if (!columns.has('first_response_warn_at') || !columns.has('resolution_warn_at')) return SEED_SQL;
  return SEED_SQL.replace('/*WARN_COLUMNS*/', ', first_response_warn_at, resolution_warn_at').replace(
    '/*WARN_VALUES*/',
    `, first_response_due_at - (first_response_minutes * near_breach_ratio)::float8 * interval '1 minute',
  resolution_due_at - (resolution_minutes * near_breach_ratio)::float8 * interval '1 minute'`,
  );
}

const SEED_SQL = `
INSERT INTO tickets (
  tenant_id, title, description, type, priority, status, source, requester_id, assignee_id, team_id, owner_role,
  franchise_id, region, linked_type, linked_id, tags, is_sensitive, sla_policy_id, first_response_due_at,
  first_responded_at, resolution_due_at, sla_paused_at, sla_state, next_sla_check_at, escalation_level, breached_at,
  resolution_summary, resolved_at, closed_at, created_at, updated_at /*WARN_COLUMNS*/)
SELECT $1, title, description, type, priority, status, source, requester_id,
  CASE WHEN status <> 'new' AND team_no IS NOT NULL AND r_assign < 0.85 THEN ($3::uuid[])[team_no][agent_no] END,
  ($2::uuid[])[team_no],
  escalation_chain[1 + escalation_level],
  franchise_id, region, linked_type,
  CASE WHEN linked_type IS NOT NULL THEN linked_type || '_' || g END,
  tags, is_sensitive, sla_policy_id, first_response_due_at, first_responded_at, resolution_due_at,
  CASE WHEN sla_state = 'paused' THEN updated_at END,
  sla_state,
  CASE WHEN status IN ('new', 'open', 'in_progress') AND sla_state = 'on_track' THEN resolution_due_at - (resolution_minutes * near_breach_ratio)::float8 * interval '1 minute'
       WHEN status IN ('new', 'open', 'in_progress') AND sla_state = 'near_breach' THEN resolution_due_at END,
  escalation_level,
  CASE WHEN sla_state = 'breached' THEN resolution_due_at END,
  CASE WHEN status IN ('resolved', 'closed') THEN 'Fixed and confirmed with the requester.' END,
  resolved_at, closed_at, created_at, updated_at /*WARN_VALUES*/
FROM (
  SELECT l2.*,
    CASE WHEN status IN ('resolved', 'closed', 'wont_fix') THEN CASE WHEN resolved_at > resolution_due_at THEN 'breached' ELSE 'met' END
         WHEN status IN ('awaiting_customer', 'awaiting_third_party') THEN 'paused'
         WHEN now() > resolution_due_at THEN 'breached'
         WHEN now() > resolution_due_at - (resolution_minutes * near_breach_ratio)::float8 * interval '1 minute' THEN 'near_breach'
         ELSE 'on_track' END AS sla_state,
    CASE WHEN status IN ('new', 'open', 'in_progress') AND now() > resolution_due_at THEN 1 + (r_esc < 0.3)::int ELSE 0 END AS escalation_level,
    least(now(), greatest(created_at, coalesce(closed_at, resolved_at, first_responded_at, created_at)) + r_upd * interval '2 hours') AS updated_at
  FROM (
    SELECT l1.*, p.id AS sla_policy_id, p.escalation_chain, p.near_breach_ratio, p.first_response_minutes, p.resolution_minutes,
      l1.created_at + p.first_response_minutes::float8 * interval '1 minute' AS first_response_due_at,
      l1.created_at + p.resolution_minutes::float8 * interval '1 minute' AS resolution_due_at,
      CASE WHEN status <> 'new' THEN least(now(), l1.created_at + r_fr * 1.1 * p.first_response_minutes::float8 * interval '1 minute') END AS first_responded_at,
      CASE WHEN status IN ('resolved', 'closed', 'wont_fix') THEN least(now(), l1.created_at + r_res * 1.15 * p.resolution_minutes::float8 * interval '1 minute') END AS resolved_at,
      CASE WHEN status = 'closed' THEN least(now(), l1.created_at + r_res * 1.15 * p.resolution_minutes::float8 * interval '1 minute' + interval '3 days') END AS closed_at
    FROM (
      SELECT l0.*,
        CASE WHEN created_at > now() - interval '14 days' THEN ($7::text[])[1 + floor(r_status * 100)::int] ELSE ($8::text[])[1 + floor(r_status * 100)::int] END AS status
      FROM (
        SELECT g,
          now() - random() * interval '365 days' AS created_at,
          random() AS r_status, random() AS r_assign, random() AS r_fr, random() AS r_res, random() AS r_upd, random() AS r_esc,
          CASE WHEN random() < 0.03 THEN NULL ELSE 1 + floor(random() * cardinality($2::uuid[]))::int END AS team_no,
          1 + floor(random() * ${AGENTS_PER_TEAM})::int AS agent_no,
          ${pick('$4::uuid[]')} AS requester_id,
          ${pick('$5::text[]')} AS type,
          ${pick('$6::text[]')} AS priority,
          ${pick('$9::text[]')} AS source,
          initcap(${pick('$10::text[]')}) || ' ' || ${pick('$11::text[]')} || ' ' || ${pick('$12::text[]')} AS title,
          ${pick('$13::text[]')} || ' ' || ${pick('$13::text[]')} || ' ' || ${pick('$13::text[]')} AS description,
          CASE WHEN random() < 0.6 THEN 'franchise-' || lpad((1 + floor(random() * 50))::text, 3, '0') END AS franchise_id,
          ${pick('$14::text[]')} AS region,
          CASE WHEN random() < 0.08 THEN (ARRAY['payment', 'payment', 'payment', 'payment', 'payment', 'invoice', 'invoice', 'refund'])[1 + floor(random() * 8)::int] END AS linked_type,
          CASE WHEN random() < 0.4 THEN '{}'::text[] WHEN random() < 0.7 THEN ARRAY[${pick('$15::text[]')}] ELSE ARRAY[${pick('$15::text[]')}, ${pick('$15::text[]')}] END AS tags,
          random() < 0.005 AS is_sensitive
        FROM generate_series($16::int, $17::int) AS g
      ) l0
    ) l1
    JOIN sla_policies p ON p.tenant_id = $1 AND p.is_current AND p.priority = l1.priority
  ) l2
) l3`;
