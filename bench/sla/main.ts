import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { AppConfig, loadConfig, redact } from '@helpdesk/config';
import { SlaSweepService, SweepReport } from '@helpdesk/core';
import { dropDatabase } from '@helpdesk/database';
import { SlaScheduler } from '@helpdesk/queue';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { median, percentile, QueryProfiler, QueryStat, timeMethod } from './profile';
import { elapsed, LAG_SOURCE, prepareDatabase, provisionTenant, resetState, SEED_SOURCE, seedTickets, ticketCount, withClient } from './seed';

const HELP = `Usage: npm run bench:sla -- [options]

Seeds a dedicated database (default helpdesk_bench_sla) with one tenant and N open tickets, then
  1. times SlaSweepService.sweep() with nothing due (in process, built from the worker module);
  2. makes --breached tickets newly breached and times the one sweep that escalates them all,
     profiling its SQL, and checks in the database that each was escalated exactly once;
  3. runs the built worker as a child process (sweep every hour, so only the delayed jobs act),
     adds --lag-tickets tickets whose first response falls due over --lag-spread seconds, schedules
     their checks with SlaScheduler, and measures breach-to-escalation lag from the database.

  --tickets N            tickets to seed (default 1000000)
  --breached N           tickets breached for the escalation sweep (default 10000)
  --repetitions R        timed sweeps with nothing due (default 20, after 3 warm-ups)
  --batch-size B         sweep page size (default: the app's SLA_SWEEP_BATCH_SIZE default, 500)
  --lag-tickets N        tickets of the lag phase (default 1000)
  --lag-spread S         seconds over which their breach instants are spread (default 20)
  --worker-concurrency C WORKER_CONCURRENCY of the child worker (default: the app's, 8)
  --skip-lag             skip the lag phase
  --reuse                keep the bench database when an earlier run seeded the same N (state is reset)
  --reset                drop the bench database and exit
  --database-url URL     default $BENCH_SLA_DATABASE_URL or postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla
  --redis-url URL        default $REDIS_URL or redis://127.0.0.1:6379
`;

const ROOT = resolve(__dirname, '..', '..', '..');
const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'worker', 'src', 'main.js');
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const int = (n: number) => n.toLocaleString('en-US');

class UsageError extends Error {}

interface Options {
  tickets: number;
  breached: number;
  repetitions: number;
  batchSize: number | null;
  lagTickets: number;
  lagSpread: number;
  workerConcurrency: number | null;
  skipLag: boolean;
  reuse: boolean;
  reset: boolean;
  databaseUrl: string;
  redisUrl: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      tickets: { type: 'string', default: '1000000' },
      breached: { type: 'string', default: '10000' },
      repetitions: { type: 'string', default: '20' },
      'batch-size': { type: 'string' },
      'lag-tickets': { type: 'string', default: '1000' },
      'lag-spread': { type: 'string', default: '20' },
      'worker-concurrency': { type: 'string' },
      'skip-lag': { type: 'boolean', default: false },
      reuse: { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
      'database-url': { type: 'string', default: process.env.BENCH_SLA_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const whole = (name: string, value: string, min: number) => {
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got "${value}")`);
    return n;
  };
  const databaseUrl = values['database-url'];
  // The database is dropped and recreated: never let that be anything but a bench database.
  if (!/bench/i.test(new URL(databaseUrl).pathname)) throw new UsageError(`the bench database's name must contain "bench" (got ${redact(databaseUrl)})`);
  const tickets = whole('tickets', values.tickets, 1);
  const breached = whole('breached', values.breached, 1);
  if (breached > tickets) throw new UsageError('--breached cannot exceed --tickets');
  return {
    tickets,
    breached,
    repetitions: whole('repetitions', values.repetitions, 1),
    batchSize: values['batch-size'] === undefined ? null : whole('batch-size', values['batch-size'], 1),
    lagTickets: whole('lag-tickets', values['lag-tickets'], 1),
    lagSpread: whole('lag-spread', values['lag-spread'], 1),
    workerConcurrency: values['worker-concurrency'] === undefined ? null : whole('worker-concurrency', values['worker-concurrency'], 1),
    skipLag: values['skip-lag'],
    reuse: values.reuse,
    reset: values.reset,
    databaseUrl,
    redisUrl: values['redis-url'],
  };
}

/** Busy share of all cores between two readings of /proc/stat (null where there is no /proc). */
function cpuTimes(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}
function busyPercent(before: ReturnType<typeof cpuTimes>, after: ReturnType<typeof cpuTimes>): string {
  if (!before || !after || after.total === before.total) return 'n/a';
  return `${fmt((100 * (after.busy - before.busy)) / (after.total - before.total), 0)} %`;
}

const DUE_QUERY = `SELECT id, tenant_id, next_sla_check_at FROM tickets
  WHERE next_sla_check_at IS NOT NULL AND status NOT IN ('resolved', 'closed', 'wont_fix') AND next_sla_check_at <= $1
    AND (next_sla_check_at, id) > ($2::timestamptz, $3::uuid)
  ORDER BY next_sla_check_at, id LIMIT $4`;

// ---------------------------------------------------------------------------------------------
// Phase 1: nothing due
// ---------------------------------------------------------------------------------------------

async function sweepNothingDue(app: INestApplicationContext, opts: Options, tenantId: string, batchSize: number): Promise<void> {
  log('');
  log(`== 1. One sweep with nothing due (${int(await ticketCount(opts.databaseUrl, tenantId))} open tickets, batch size ${batchSize}) ==`);
  const sweeper = app.get(SlaSweepService);
  for (let i = 0; i < 3; i += 1) await sweeper.sweep({ batchSize });
  const times: number[] = [];
  let examined = 0;
  for (let i = 0; i < opts.repetitions; i += 1) {
    const started = process.hrtime.bigint();
    const report = await sweeper.sweep({ batchSize });
    times.push(elapsed(started));
    examined += report.examined;
  }
  const sorted = [...times].sort((a, b) => a - b);
  log(`  ${opts.repetitions} sweeps: min ${fmt(sorted[0], 2)} ms, median ${fmt(median(times), 2)} ms, p90 ${fmt(percentile(sorted, 90), 2)} ms, max ${fmt(sorted[sorted.length - 1], 2)} ms (tickets examined: ${examined})`);
  const plan = await withClient(opts.databaseUrl, async (client) =>
    (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${DUE_QUERY}`, [new Date(), new Date(0), '00000000-0000-0000-0000-000000000000', batchSize])).rows.map((r) => r['QUERY PLAN']),
  );
  log('  its page query, EXPLAIN (ANALYZE, BUFFERS):');
  for (const line of plan) log(`    ${line}`);
}

// ---------------------------------------------------------------------------------------------
// Phase 2: N newly breached tickets, one sweep
// ---------------------------------------------------------------------------------------------

async function sweepBreached(app: INestApplicationContext, opts: Options, tenantId: string, batchSize: number): Promise<void> {
  const n = opts.breached;
  log('');
  log(`== 2. One sweep that escalates ${int(n)} newly breached tickets ==`);
  // created_at 1.5 first-response windows ago: the first response is overdue (and past its
  // near-breach instant), the resolution not even near breach (its warning is at 0.8 of a window
  // that is 3 to 8 times longer). The monitor recomputes the due dates from these, as the API would.
  const setupStarted = process.hrtime.bigint();
  const chosen = await withClient(opts.databaseUrl, async (client) => {
    const { rowCount } = await client.query(
      `WITH chosen AS (SELECT id FROM tickets WHERE tenant_id = $1 AND source = $2 ORDER BY id LIMIT $3),
            aged AS (SELECT t.id, now() - p.first_response_minutes::float8 * 1.5 * interval '1 minute' AS created_at, p.first_response_minutes, p.resolution_minutes
                     FROM tickets t JOIN chosen c ON c.id = t.id JOIN sla_policies p ON p.id = t.sla_policy_id)
       UPDATE tickets t SET created_at = a.created_at, updated_at = a.created_at,
         first_response_due_at = a.created_at + a.first_response_minutes::float8 * interval '1 minute',
         resolution_due_at = a.created_at + a.resolution_minutes::float8 * interval '1 minute',
         sla_state = 'on_track', next_sla_check_at = now() - interval '1 second'
       FROM aged a WHERE t.id = a.id`,
      [tenantId, SEED_SOURCE, n],
    );
    const { rows } = await client.query<{ due: string }>(
      `SELECT count(*) AS due FROM tickets WHERE next_sla_check_at IS NOT NULL AND status NOT IN ('resolved', 'closed', 'wont_fix') AND next_sla_check_at <= now()`,
    );
    return { updated: rowCount ?? 0, due: Number(rows[0].due) };
  });
  log(`  made ${int(chosen.updated)} tickets breached (first response overdue, next_sla_check_at = now() - 1 s) in ${fmt(elapsed(setupStarted) / 1000)} s; tickets due now: ${int(chosen.due)}`);

  const walBefore = await withClient(opts.databaseUrl, async (client) => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn);
  const profiler = new QueryProfiler();
  const scheduler = app.get(SlaScheduler);
  const redisTiming = timeMethod(scheduler, 'schedule');
  const cpuBefore = cpuTimes();
  const nodeCpuBefore = process.cpuUsage();
  profiler.start();
  const sweepStartedAt = new Date();
  const started = process.hrtime.bigint();
  let report: SweepReport;
  let stats: QueryStat[];
  try {
    report = await app.get(SlaSweepService).sweep({ batchSize });
  } finally {
    stats = profiler.stop();
    redisTiming.restore();
  }
  const wallMs = elapsed(started);
  const nodeCpu = process.cpuUsage(nodeCpuBefore);
  const cpuAfter = cpuTimes();
  const walBytes = await withClient(opts.databaseUrl, async (client) => Number((await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [walBefore])).rows[0].bytes));

  log(`  sweep: ${int(report.examined)} examined, ${int(report.escalations)} escalations in ${fmt(wallMs / 1000, 2)} s  =>  ${int(Math.round(report.examined / (wallMs / 1000)))} tickets/s, ${fmt(wallMs / Math.max(1, report.examined), 2)} ms per ticket`);

  // Verification, from the database.
  const check = await withClient(opts.databaseUrl, async (client) => {
    const q = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0];
    const escalations = await q(
      `SELECT count(*)::int AS total, count(DISTINCT ticket_id)::int AS tickets,
              count(*) FILTER (WHERE trigger = 'first_response_breach' AND from_level = 0 AND to_level = 1)::int AS level_0_to_1,
              count(*) FILTER (WHERE actor_type = 'system')::int AS by_system
       FROM ticket_escalations WHERE tenant_id = $1`,
      [tenantId],
    );
    const duplicates = await q(`SELECT count(*)::int AS n FROM (SELECT ticket_id FROM ticket_escalations GROUP BY ticket_id, breach_key HAVING count(*) > 1) d`);
    const tickets = await q(
      `SELECT count(*) FILTER (WHERE escalation_level = 1)::int AS at_level_1, count(*) FILTER (WHERE escalation_level > 1)::int AS above_1,
              count(*) FILTER (WHERE sla_state = 'breached')::int AS breached_state,
              count(*) FILTER (WHERE next_sla_check_at <= now())::int AS still_due
       FROM tickets WHERE tenant_id = $1 AND (escalation_level > 0 OR sla_state <> 'on_track' OR next_sla_check_at <= now())`,
      [tenantId],
    );
    const events = await q(
      `SELECT count(*) FILTER (WHERE kind = 'near_breach')::int AS near_breach, count(*) FILTER (WHERE kind = 'breached')::int AS breached,
              count(*) FILTER (WHERE kind = 'escalated')::int AS escalated FROM sla_events WHERE tenant_id = $1`,
      [tenantId],
    );
    const outbox = await q('SELECT count(*)::int AS n FROM outbox_events WHERE tenant_id = $1', [tenantId]);
    const audit = await q(`SELECT count(*)::int AS n FROM ticket_audit WHERE tenant_id = $1 AND action = 'escalated' AND created_at >= $2`, [tenantId, sweepStartedAt]);
    return { escalations, duplicates: duplicates.n as number, tickets, events, outbox: outbox.n as number, audit: audit.n as number };
  });
  const ok = check.escalations.total === n && check.escalations.tickets === n && check.duplicates === 0 && check.tickets.at_level_1 === n && check.tickets.above_1 === 0;
  log(`  verified in the database: ${int(check.escalations.total)} escalations of ${int(check.escalations.tickets)} distinct tickets (${int(check.escalations.level_0_to_1)} first_response_breach 0→1), ` +
    `${check.duplicates} duplicate (ticket, breach); tickets at level 1: ${int(check.tickets.at_level_1)}, above: ${check.tickets.above_1}, sla_state breached: ${int(check.tickets.breached_state)}, still due: ${check.tickets.still_due}`);
  log(`  rows written: sla_events near_breach ${int(check.events.near_breach)} / breached ${int(check.events.breached)} / escalated ${int(check.events.escalated)}, outbox_events ${int(check.outbox)}, ticket_audit 'escalated' ${int(check.audit)}`);
  log(`  => ${ok ? `OK: exactly ${int(n)} escalations, one per ticket, no duplicates` : 'MISMATCH: see the counts above'}`);

  // Profile.
  const statements = stats.reduce((sum, s) => sum + s.count, 0);
  const sqlMs = stats.reduce((sum, s) => sum + s.totalMs, 0);
  const perTicket = (count: number) => fmt(count / Math.max(1, report.examined), 2);
  log(`  profile (${int(statements)} SQL statements, ${perTicket(statements)} per ticket; ${fmt(sqlMs / 1000, 2)} s awaiting PostgreSQL = ${fmt((100 * sqlMs) / wallMs, 0)} % of the sweep):`);
  log(`    ${'statement'.padEnd(52)} ${'calls'.padStart(7)} ${'/ticket'.padStart(8)} ${'total s'.padStart(8)} ${'ms/call'.padStart(8)}`);
  for (const s of stats) {
    log(`    ${s.label.slice(0, 52).padEnd(52)} ${int(s.count).padStart(7)} ${perTicket(s.count).padStart(8)} ${fmt(s.totalMs / 1000, 2).padStart(8)} ${fmt(s.totalMs / s.count, 3).padStart(8)}`);
  }
  const redisMs = redisTiming.stat.totalMs;
  log(`    SlaScheduler.schedule (Redis: remove previous job + add next) ${int(redisTiming.stat.count)} calls, ${fmt(redisMs / 1000, 2)} s, ${fmt(redisMs / Math.max(1, redisTiming.stat.count), 3)} ms/call`);
  const rest = wallMs - sqlMs - redisMs;
  log(`    the rest (Node: TypeORM transaction and pool, the monitor's own code, event loop) ${fmt(rest / 1000, 2)} s = ${fmt(rest / Math.max(1, report.examined), 3)} ms per ticket`);
  log(`    per ticket: ${fmt(sqlMs / Math.max(1, report.examined), 3)} ms SQL + ${fmt(redisMs / Math.max(1, report.examined), 3)} ms Redis + ${fmt(rest / Math.max(1, report.examined), 3)} ms other`);
  log(`    CPU: machine ${busyPercent(cpuBefore, cpuAfter)} busy over ${cpus().length} cores; this Node process ${fmt((nodeCpu.user + nodeCpu.system) / 1000 / wallMs * 100, 0)} % of one core; WAL written ${fmt(walBytes / 1024 / 1024)} MiB (${int(Math.round(walBytes / Math.max(1, report.examined)))} B per ticket), ${int(stats.find((s) => s.label === 'COMMIT')?.count ?? 0)} commits (one WAL flush each with synchronous_commit=on)`);

  const again = await app.get(SlaSweepService).sweep({ batchSize });
  log(`  a second sweep right after: ${again.examined} examined, ${again.escalations} escalations in ${again.duration_ms} ms (nothing left due)`);
}

// ---------------------------------------------------------------------------------------------
// Phase 3: breach-to-escalation lag with the delayed jobs of a real worker
// ---------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

class WorkerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> | null = null;
  private output = '';
  readonly warnings: string[] = [];

  constructor(private readonly env: Record<string, string>, private readonly port: number) {}

  async start(): Promise<number> {
    const child = spawn(process.execPath, [WORKER_MAIN], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output = (this.output + text).slice(-4000);
      for (const line of text.split('\n').filter(Boolean)) if (this.warnings.length < 1000) this.warnings.push(line);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the worker exited with code ${child.exitCode}:\n${this.output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/health/ready`);
        if (response.ok) return child.pid!;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`the worker was not ready within 60 s:\n${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function lag(app: INestApplicationContext, opts: Options, config: AppConfig, tenantId: string): Promise<void> {
  const n = opts.lagTickets;
  log('');
  log(`== 3. Breach-to-escalation lag, delayed jobs on (${int(n)} tickets breaching over ${opts.lagSpread} s) ==`);
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    REDIS_PREFIX: config.redisPrefix,
    JWT_SECRET: config.jwtSecret,
    LOG_LEVEL: 'warn',
    WORKER_HEALTH_PORT: String(port),
    SLA_SWEEP_INTERVAL_SECONDS: '3600',
  };
  if (opts.workerConcurrency) env.WORKER_CONCURRENCY = String(opts.workerConcurrency);
  const worker = new WorkerProcess(env, port);
  const pid = await worker.start();
  log(`  worker ${WORKER_MAIN.replace(`${ROOT}/`, '')} running as pid ${pid} (health port ${port}, REDIS_PREFIX ${config.redisPrefix}, concurrency ${opts.workerConcurrency ?? config.worker.concurrency}, sweep every 3600 s)`);
  // Let its job scheduler's first sweep (if it runs at once) pass: nothing is due, it is quick.
  await sleep(1000);

  try {
    // Breach instants: from 3 s ahead, one every spread/n ms. created_at is a whole first-response
    // window before, so the monitor's own due date (created_at + window) is that instant exactly;
    // the near-breach instant has passed and is recorded as handled, as a timer would have.
    const stepMs = Math.max(1, Math.floor((opts.lagSpread * 1000) / n));
    const firstBreach = new Date(Date.now() + 3000);
    const started = process.hrtime.bigint();
    const rows = await withClient(opts.databaseUrl, async (client) => {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; due: Date; next: Date }>(
        `WITH pol AS (
           SELECT id, priority, first_response_minutes, resolution_minutes, escalation_chain, (row_number() OVER (ORDER BY priority) - 1)::int AS n
           FROM sla_policies WHERE tenant_id = $1 AND is_current),
         t AS (SELECT g, $2::timestamptz + (g * $3::int) * interval '1 millisecond' AS due FROM generate_series(0, $4::int - 1) AS g)
         INSERT INTO tickets (tenant_id, title, type, priority, status, source, owner_role, sla_policy_id, first_response_due_at, resolution_due_at,
           sla_state, next_sla_check_at, created_at, updated_at)
         SELECT $1, 'SLA lag ticket ' || g, 'incident', p.priority, 'open', $5, p.escalation_chain[1], p.id,
           t.due, t.due - p.first_response_minutes::float8 * interval '1 minute' + p.resolution_minutes::float8 * interval '1 minute',
           'near_breach', t.due + interval '1 millisecond', t.due - p.first_response_minutes::float8 * interval '1 minute', t.due - p.first_response_minutes::float8 * interval '1 minute'
         FROM t JOIN pol p ON p.n = t.g % 4
         RETURNING id, first_response_due_at AS due, next_sla_check_at AS next`,
        [tenantId, firstBreach, stepMs, n, LAG_SOURCE],
      );
      await client.query(
        `INSERT INTO sla_events (tenant_id, ticket_id, kind, target, details, window_key, occurred_at)
         SELECT tenant_id, id, 'near_breach', 'first_response', jsonb_build_object('due_at', d.iso), 'first_response@' || d.iso, now()
         FROM tickets CROSS JOIN LATERAL (SELECT to_char(first_response_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso) d
         WHERE tenant_id = $1 AND source = $2`,
        [tenantId, LAG_SOURCE],
      );
      await client.query('COMMIT');
      return rows;
    });
    const scheduler = app.get(SlaScheduler);
    for (let i = 0; i < rows.length; i += 50) {
      await Promise.all(rows.slice(i, i + 50).map((row) => scheduler.schedule(tenantId, row.id, row.next, null)));
    }
    const lastBreach = rows.reduce((max, row) => Math.max(max, row.due.getTime()), 0);
    const lead = firstBreach.getTime() - Date.now();
    log(`  inserted ${int(rows.length)} tickets and scheduled their check-ticket jobs (at breach + 1 ms) in ${fmt(elapsed(started), 0)} ms; first breach ${lead >= 0 ? `${fmt(lead, 0)} ms ahead` : `ALREADY ${fmt(-lead, 0)} ms PAST (scheduling was slow)`}, last ${fmt((lastBreach - Date.now()) / 1000)} s ahead`);

    // Watch escalations appear (what a reader sees: committed rows), until all are there.
    const ids = rows.map((r) => r.id);
    const seenAt = new Map<string, number>();
    const deadline = lastBreach + 60_000;
    await withClient(opts.databaseUrl, async (client) => {
      while (seenAt.size < n && Date.now() < deadline) {
        const polled = Date.now();
        const { rows: found } = await client.query<{ ticket_id: string }>('SELECT DISTINCT ticket_id FROM ticket_escalations WHERE ticket_id = ANY($1::uuid[])', [ids]);
        for (const row of found) if (!seenAt.has(row.ticket_id)) seenAt.set(row.ticket_id, polled);
        await sleep(100);
      }
    });

    const result = await withClient(opts.databaseUrl, async (client) => {
      const { rows: lags } = await client.query<{ ticket_id: string; due: Date; lag_ms: number }>(
        `SELECT e.ticket_id, t.first_response_due_at AS due, extract(epoch FROM e.created_at - t.first_response_due_at)::float8 * 1000 AS lag_ms
         FROM ticket_escalations e JOIN tickets t ON t.id = e.ticket_id WHERE t.tenant_id = $1 AND t.source = $2`,
        [tenantId, LAG_SOURCE],
      );
      const { rows: dup } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT e.ticket_id FROM ticket_escalations e JOIN tickets t ON t.id = e.ticket_id
           WHERE t.source = $1 GROUP BY e.ticket_id HAVING count(*) > 1) d`,
        [LAG_SOURCE],
      );
      return { lags, duplicates: dup[0].n };
    });
    const escalated = new Set(result.lags.map((r) => r.ticket_id)).size;
    const sorted = result.lags.map((r) => Number(r.lag_ms)).sort((a, b) => a - b);
    log(`  escalated: ${int(escalated)} of ${int(n)} tickets (${result.duplicates} with more than one escalation)${escalated < n ? ` — ${int(n - escalated)} NOT escalated within 60 s of the last breach` : ''}`);
    if (sorted.length) {
      log(`  lag, breach instant (first_response_due_at) -> escalation created_at (when the check ran):`);
      log(`    p50 ${fmt(sorted.length ? percentile(sorted, 50) : NaN, 1)} ms, p99 ${fmt(percentile(sorted, 99), 1)} ms, max ${fmt(sorted[sorted.length - 1], 1)} ms (min ${fmt(sorted[0], 1)} ms, mean ${fmt(sorted.reduce((a, b) => a + b, 0) / sorted.length, 1)} ms)`);
      const byId = new Map(result.lags.map((r) => [r.ticket_id, r.due.getTime()]));
      const visible = [...seenAt.entries()].map(([id, at]) => at - (byId.get(id) ?? at)).sort((a, b) => a - b);
      if (visible.length) {
        log(`  lag, breach instant -> escalation committed and visible to a reader (polled every 100 ms, so up to ~100 ms late):`);
        log(`    p50 ${fmt(percentile(visible, 50), 0)} ms, p99 ${fmt(percentile(visible, 99), 0)} ms, max ${fmt(visible[visible.length - 1], 0)} ms`);
      }
    }
    const warnings = worker.warnings.filter((line) => !/^\s*$/.test(line));
    if (warnings.length) {
      log(`  the worker logged ${warnings.length} line(s) at warn or above; first ones:`);
      for (const line of warnings.slice(0, 5)) log(`    ${line.slice(0, 300)}`);
    }
  } finally {
    await worker.stop();
  }
}

// ---------------------------------------------------------------------------------------------

async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.reset) {
    await dropDatabase(opts.databaseUrl);
    log(`Dropped ${new URL(opts.databaseUrl).pathname.slice(1)}`);
    return;
  }
  const prefix = `bench-sla-${Date.now().toString(36)}-${process.pid}`;
  const config = loadConfig({
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    JWT_SECRET: randomBytes(36).toString('base64url'),
    LOG_LEVEL: 'warn',
    SLA_SWEEP_INTERVAL_SECONDS: '3600',
  });
  const batchSize = opts.batchSize ?? config.worker.slaSweepBatchSize;
  const pg = await withClient(opts.databaseUrl.replace(/\/[^/]*$/, '/postgres'), async (client) => {
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'shared_buffers')",
    );
    return Object.fromEntries(settings.rows.map((r) => [r.name, r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024} MB` : r.setting]));
  });
  log(`SLA bench: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg().map((l) => fmt(l, 2)).join(' ')}`);
  log(`PostgreSQL ${pg.server_version} (synchronous_commit=${pg.synchronous_commit}, fsync=${pg.fsync}, shared_buffers=${pg.shared_buffers}) at ${redact(opts.databaseUrl)}; Redis ${opts.redisUrl}, prefix ${prefix}`);

  const { reused } = await prepareDatabase(opts.databaseUrl, { reuse: opts.reuse, tickets: opts.tickets }, log);
  // The worker's own module (same imports, same providers) minus its SlaProcessor and health
  // controller: nothing in this process consumes the queue, so the child worker alone acts on jobs.
  const workerModule = WorkerModule.forRoot(config);
  const benchModule: DynamicModule = { ...workerModule, controllers: [], providers: [] };
  const app = await NestFactory.createApplicationContext(benchModule, { logger: ['error', 'warn'] });
  try {
    const tenantId = await provisionTenant(app);
    if (reused) {
      const started = process.hrtime.bigint();
      await resetState(opts.databaseUrl, tenantId);
      log(`Reset escalations, SLA events and lag tickets of earlier runs in ${fmt(elapsed(started) / 1000)} s`);
    } else {
      await seedTickets(opts.databaseUrl, tenantId, opts.tickets, log);
    }
    await sweepNothingDue(app, opts, tenantId, batchSize);
    await sweepBreached(app, opts, tenantId, batchSize);
    if (!opts.skipLag) await lag(app, opts, config, tenantId);
  } finally {
    await app.close();
    const deleted = await deleteRedisKeys(opts.redisUrl, prefix).catch(() => -1);
    log('');
    log(`Done. Removed ${deleted} Redis key(s) under ${prefix}:*; the database ${new URL(opts.databaseUrl).pathname.slice(1)} is kept (--reuse to run again on it, --reset to drop it).`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${HELP}`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
