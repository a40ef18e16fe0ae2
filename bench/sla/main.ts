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
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { QUEUES, SlaScheduler } from '@helpdesk/queue';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { median, percentile, QueryProfiler, QueryStat, timeMethod } from './profile';
import { backendPids, cpuSecondsOf, dueNow, makeBreached, parallelSweep, park, setBasedSketch, Verification, verify } from './breach';
import { assertBenchDatabase, UsageError, wholeNumber, withClient } from '../common';
import { elapsed, LAG_SOURCE, optionalTicketColumns, prepareDatabase, provisionTenant, resetState, seedTickets, ticketCount, warnAt } from './seed';

const HELP = `Usage: npm run bench:sla -- [options]

Seeds a dedicated database (default helpdesk_bench_sla) with one tenant and N open tickets, then
  1. times SlaSweepService.sweep() with nothing due (in process, built from the worker module);
  2. makes --breached tickets newly breached and times the one sweep that escalates them all,
     profiling its SQL, and checks in the database that each was escalated exactly once;
 2b. what-ifs on as many more: the app's checkTicket 8 at a time (A), and a set-based sketch of
     the same writes, one transaction per page, rolled back (B);
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
  --phases LIST          comma-separated, of: empty,breach,whatif,lag (default all)
  --whatif-concurrency C concurrent checks of what-if A (default 8, the worker's default concurrency)
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

const PHASES = ['empty', 'breach', 'whatif', 'lag'] as const;
type Phase = (typeof PHASES)[number];

interface Options {
  tickets: number;
  breached: number;
  repetitions: number;
  batchSize: number | null;
  lagTickets: number;
  lagSpread: number;
  workerConcurrency: number | null;
  phases: Phase[];
  whatIfConcurrency: number;
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
      phases: { type: 'string', default: PHASES.join(',') },
      'whatif-concurrency': { type: 'string', default: '8' },
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
  const databaseUrl = values['database-url'];
  assertBenchDatabase(databaseUrl);
  const phases = values.phases
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = phases.filter((p) => !PHASES.includes(p as Phase));
  if (unknown.length) throw new UsageError(`unknown phase(s) ${unknown.join(', ')}; known: ${PHASES.join(', ')}`);
  const tickets = wholeNumber('tickets', values.tickets, 1);
  const breached = wholeNumber('breached', values.breached, 1);
  const sets = phases.includes('whatif') ? 3 : 1;
  if (breached * sets > tickets)
    throw new UsageError(`--breached × ${sets} (the breach phase${sets > 1 ? ' and both what-if experiments' : ''}) cannot exceed --tickets`);
  return {
    tickets,
    breached,
    repetitions: wholeNumber('repetitions', values.repetitions, 1),
    batchSize: values['batch-size'] === undefined ? null : wholeNumber('batch-size', values['batch-size'], 1),
    lagTickets: wholeNumber('lag-tickets', values['lag-tickets'], 1),
    lagSpread: wholeNumber('lag-spread', values['lag-spread'], 1),
    workerConcurrency: values['worker-concurrency'] === undefined ? null : wholeNumber('worker-concurrency', values['worker-concurrency'], 1),
    phases: phases as Phase[],
    whatIfConcurrency: wholeNumber('whatif-concurrency', values['whatif-concurrency'], 1),
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
  log(
    `  ${opts.repetitions} sweeps: min ${fmt(sorted[0], 2)} ms, median ${fmt(median(times), 2)} ms, p90 ${fmt(percentile(sorted, 90), 2)} ms, max ${fmt(sorted[sorted.length - 1], 2)} ms (tickets examined: ${examined})`,
  );
  const plan = await withClient(opts.databaseUrl, async (client) =>
    (
      await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${DUE_QUERY}`, [
        new Date(),
        new Date(0),
        '00000000-0000-0000-0000-000000000000',
        batchSize,
      ])
    ).rows.map((r) => r['QUERY PLAN']),
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
  const setupStarted = process.hrtime.bigint();
  const ids = await makeBreached(opts.databaseUrl, tenantId, n);
  log(
    `  made ${int(ids.length)} tickets breached (created 1.5 first-response windows ago, next_sla_check_at = now() - 1 s) in ${fmt(elapsed(setupStarted) / 1000)} s; tickets due now: ${int(await dueNow(opts.databaseUrl))}`,
  );

  const walBefore = await withClient(
    opts.databaseUrl,
    async (client) => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn,
  );
  const profiler = new QueryProfiler();
  const redisTiming = timeMethod(app.get(SlaScheduler), 'schedule');
  const pgCpuBefore = cpuSecondsOf(await backendPids(opts.databaseUrl));
  const cpuBefore = cpuTimes();
  const nodeCpuBefore = process.cpuUsage();
  const sweepStartedAt = new Date();
  profiler.start();
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
  const pgCpuAfter = cpuSecondsOf(await backendPids(opts.databaseUrl));
  const pgCpu = [...pgCpuAfter].reduce((sum, [pid, seconds]) => sum + seconds - (pgCpuBefore.get(pid) ?? 0), 0);
  const walBytes = await withClient(opts.databaseUrl, async (client) =>
    Number((await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [walBefore])).rows[0].bytes),
  );

  log(
    `  sweep: ${int(report.examined)} examined, ${int(report.escalations)} escalations in ${fmt(wallMs / 1000, 2)} s  =>  ${int(Math.round(report.examined / (wallMs / 1000)))} tickets/s, ${fmt(wallMs / Math.max(1, report.examined), 2)} ms per ticket`,
  );
  printVerification(await verify(opts.databaseUrl, ids, sweepStartedAt), n);

  const statements = stats.reduce((sum, s) => sum + s.count, 0);
  const sqlMs = stats.reduce((sum, s) => sum + s.totalMs, 0);
  const per = (value: number) => value / Math.max(1, report.examined);
  log(
    `  profile (${int(statements)} SQL statements, ${fmt(per(statements), 2)} per ticket; ${fmt(sqlMs / 1000, 2)} s awaiting PostgreSQL = ${fmt((100 * sqlMs) / wallMs, 0)} % of the sweep):`,
  );
  log(`    ${'statement'.padEnd(52)} ${'calls'.padStart(7)} ${'/ticket'.padStart(8)} ${'total s'.padStart(8)} ${'ms/call'.padStart(8)}`);
  for (const s of stats) {
    log(
      `    ${s.label.slice(0, 52).padEnd(52)} ${int(s.count).padStart(7)} ${fmt(per(s.count), 2).padStart(8)} ${fmt(s.totalMs / 1000, 2).padStart(8)} ${fmt(s.totalMs / s.count, 3).padStart(8)}`,
    );
  }
  const redisMs = redisTiming.stat.totalMs;
  log(
    `    ${'SlaScheduler.schedule (Redis remove + add)'.padEnd(52)} ${int(redisTiming.stat.count).padStart(7)} ${fmt(per(redisTiming.stat.count), 2).padStart(8)} ${fmt(redisMs / 1000, 2).padStart(8)} ${fmt(redisMs / Math.max(1, redisTiming.stat.count), 3).padStart(8)}`,
  );
  const rest = wallMs - sqlMs - redisMs;
  log(
    `    per ticket: ${fmt(per(sqlMs), 3)} ms awaiting SQL + ${fmt(per(redisMs), 3)} ms awaiting Redis + ${fmt(per(rest), 3)} ms the rest (TypeORM transaction and pool, the monitor's code)`,
  );
  log(
    `    CPU: PostgreSQL backends ${fmt(pgCpu, 1)} s (${fmt(per(pgCpu * 1000), 2)} ms per ticket), this Node process ${fmt((nodeCpu.user + nodeCpu.system) / 1e6, 1)} s (${fmt(per((nodeCpu.user + nodeCpu.system) / 1000), 2)} ms per ticket); machine ${busyPercent(cpuBefore, cpuAfter)} busy over ${cpus().length} cores (other load included)`,
  );
  log(
    `    WAL: ${fmt(walBytes / 1024 / 1024)} MiB (${int(Math.round(per(walBytes)))} B per ticket), ${int(stats.find((s) => s.label === 'COMMIT')?.count ?? 0)} commits, each waiting for its WAL flush (synchronous_commit=on)`,
  );

  const again = await app.get(SlaSweepService).sweep({ batchSize });
  log(`  a second sweep right after: ${again.examined} examined, ${again.escalations} escalations in ${again.duration_ms} ms (nothing left due)`);
}

function printVerification(v: Verification, n: number): void {
  log(
    `  verified in the database: ${int(v.escalations)} escalations of ${int(v.distinctTickets)} distinct tickets (${int(v.firstResponse0to1)} first_response_breach 0→1 by the system), ` +
      `${v.duplicates} duplicate (ticket, breach); tickets at level 1: ${int(v.atLevel1)}, above: ${v.aboveLevel1}, sla_state breached: ${int(v.breachedState)}, still due: ${v.stillDue}`,
  );
  log(
    `  rows written: sla_events near_breach ${int(v.nearBreachEvents)} / breached ${int(v.breachedEvents)} / escalated ${int(v.escalatedEvents)}, outbox_events ${int(v.outbox)}, ticket_audit 'escalated' ${int(v.audit)}`,
  );
  log(`  => ${v.ok ? `OK: exactly ${int(n)} escalations, one per ticket, no duplicates` : 'MISMATCH: see the counts above'}`);
}

async function whatIf(app: INestApplicationContext, opts: Options, tenantId: string, batchSize: number): Promise<void> {
  const n = opts.breached;
  log('');
  log(`== 2b. What would make it faster: two experiments on ${int(n)} more breached tickets each (app code unchanged) ==`);
  const idsA = await makeBreached(opts.databaseUrl, tenantId, n);
  const since = new Date();
  const a = await parallelSweep(app, batchSize, opts.whatIfConcurrency);
  log(
    `  A. same pages, the app's SlaMonitorService.checkTicket ${opts.whatIfConcurrency} at a time instead of one: ${int(a.examined)} examined, ${int(a.escalations)} escalations in ${fmt(a.ms / 1000, 2)} s => ${int(Math.round(a.examined / (a.ms / 1000)))} tickets/s`,
  );
  printVerification(await verify(opts.databaseUrl, idsA, since), n);

  const idsB = await makeBreached(opts.databaseUrl, tenantId, n);
  try {
    const b = await setBasedSketch(opts.databaseUrl, tenantId, batchSize, app.get<Queue>(getQueueToken(QUEUES.sla)));
    log(
      `  B. set-based sketch (bench SQL, one transaction and ~10 statements per page of ${batchSize}, rolled back; next checks by Queue.addBulk): ${int(b.tickets)} tickets in ${fmt(b.ms / 1000, 2)} s => ${int(Math.round(b.tickets / (b.ms / 1000)))} tickets/s`,
    );
    log(
      `     ${int(b.statements)} statements (${fmt(b.statements / Math.max(1, Math.ceil(b.tickets / batchSize)), 1)} per page), ${fmt(b.sqlMs / 1000, 2)} s SQL, ${fmt(b.redisMs / 1000, 2)} s Redis; the page commits (one WAL flush each) are not included`,
    );
    log(
      `     SQL time by statement: ${b.byStatement
        .slice(0, 6)
        .map(([label, ms]) => `${label} ${fmt(ms / 1000, 2)} s`)
        .join('; ')}`,
    );
  } finally {
    await park(opts.databaseUrl, idsB);
  }
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

  constructor(
    private readonly env: Record<string, string>,
    private readonly port: number,
  ) {}

  async start(): Promise<number> {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
  log(
    `  worker ${WORKER_MAIN.replace(`${ROOT}/`, '')} running as pid ${pid} (health port ${port}, REDIS_PREFIX ${config.redisPrefix}, concurrency ${opts.workerConcurrency ?? config.worker.concurrency}, sweep every 3600 s)`,
  );
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
      const optional = [...(await optionalTicketColumns(client))];
      const created = `(t.due - p.first_response_minutes::float8 * interval '1 minute')`;
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; due: Date; next: Date }>(
        `WITH pol AS (
           SELECT id, priority, first_response_minutes, resolution_minutes, near_breach_ratio, escalation_chain, (row_number() OVER (ORDER BY priority) - 1)::int AS n
           FROM sla_policies WHERE tenant_id = $1 AND is_current),
         t AS (SELECT g, $2::timestamptz + (g * $3::int) * interval '1 millisecond' AS due FROM generate_series(0, $4::int - 1) AS g)
         INSERT INTO tickets (tenant_id, title, type, priority, status, source, owner_role, sla_policy_id, first_response_due_at, resolution_due_at,
           sla_state, next_sla_check_at, created_at, updated_at${optional.map((c) => `, ${c}`).join('')})
         SELECT $1, 'SLA lag ticket ' || g, 'incident', p.priority, 'open', $5, p.escalation_chain[1], p.id,
           t.due, ${created} + p.resolution_minutes::float8 * interval '1 minute',
           'near_breach', t.due + interval '1 millisecond', ${created}, ${created}${optional.map((c) => `, ${warnAt(c, created, 'p')}`).join('')}
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
    log(
      `  inserted ${int(rows.length)} tickets and scheduled their check-ticket jobs (at breach + 1 ms) in ${fmt(elapsed(started), 0)} ms; first breach ${lead >= 0 ? `${fmt(lead, 0)} ms ahead` : `ALREADY ${fmt(-lead, 0)} ms PAST (scheduling was slow)`}, last ${fmt((lastBreach - Date.now()) / 1000)} s ahead`,
    );

    // Watch escalations appear (what a reader sees: committed rows), until all are there.
    const ids = rows.map((r) => r.id);
    const seenAt = new Map<string, number>();
    const deadline = lastBreach + 60_000;
    await withClient(opts.databaseUrl, async (client) => {
      while (seenAt.size < n && Date.now() < deadline) {
        const polled = Date.now();
        const { rows: found } = await client.query<{ ticket_id: string }>(
          'SELECT DISTINCT ticket_id FROM ticket_escalations WHERE ticket_id = ANY($1::uuid[])',
          [ids],
        );
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
    if (escalated < n) {
      const queue = app.get<Queue>(getQueueToken(QUEUES.sla));
      const counts = await queue.getJobCounts('delayed', 'wait', 'active', 'prioritized', 'failed', 'completed');
      log(`  queue ${config.redisPrefix}:bull:sla now: ${JSON.stringify(counts)}`);
      for (const job of await queue.getFailed(0, 2)) log(`    failed job ${job.id}: ${job.failedReason} (attempts ${job.attemptsMade})`);
      const lagIds = new Set(ids);
      const pending = (await queue.getDelayed(0, 20000)).filter((job) => lagIds.has((job.data as { ticket_id: string }).ticket_id));
      log(
        `    check-ticket jobs of lag tickets still delayed: ${pending.length}${pending[0] ? ` (e.g. ${pending[0].id}, due ${new Date(pending[0].timestamp + pending[0].delay).toISOString()})` : ''}`,
      );
    }
    const sorted = result.lags.map((r) => Number(r.lag_ms)).sort((a, b) => a - b);
    log(
      `  escalated: ${int(escalated)} of ${int(n)} tickets (${result.duplicates} with more than one escalation)${escalated < n ? ` — ${int(n - escalated)} NOT escalated within 60 s of the last breach` : ''}`,
    );
    if (sorted.length) {
      log(`  lag, breach instant (first_response_due_at) -> escalation created_at (when the check ran):`);
      log(
        `    p50 ${fmt(sorted.length ? percentile(sorted, 50) : NaN, 1)} ms, p99 ${fmt(percentile(sorted, 99), 1)} ms, max ${fmt(sorted[sorted.length - 1], 1)} ms (min ${fmt(sorted[0], 1)} ms, mean ${fmt(sorted.reduce((a, b) => a + b, 0) / sorted.length, 1)} ms)`,
      );
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
  log(
    `SLA bench: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`,
  );
  log(
    `PostgreSQL ${pg.server_version} (synchronous_commit=${pg.synchronous_commit}, fsync=${pg.fsync}, shared_buffers=${pg.shared_buffers}) at ${redact(opts.databaseUrl)}; Redis ${opts.redisUrl}, prefix ${prefix}`,
  );

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
    if (opts.phases.includes('empty')) await sweepNothingDue(app, opts, tenantId, batchSize);
    if (opts.phases.includes('breach')) await sweepBreached(app, opts, tenantId, batchSize);
    if (opts.phases.includes('whatif')) await whatIf(app, opts, tenantId, batchSize);
    if (opts.phases.includes('lag')) await lag(app, opts, config, tenantId);
  } finally {
    await app.close();
    const deleted = await deleteRedisKeys(opts.redisUrl, prefix).catch(() => -1);
    log('');
    log(
      `Done. Removed ${deleted} Redis key(s) under ${prefix}:*; the database ${new URL(opts.databaseUrl).pathname.slice(1)} is kept (--reuse to run again on it, --reset to drop it).`,
    );
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
