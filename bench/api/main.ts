import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, loadConfig, redact } from '@helpdesk/config';
import { AuthService } from '@helpdesk/core';
import { TicketListRequest, TicketsRepository, UsersRepository } from '@helpdesk/database';
import { CliModule } from '../../apps/cli/src/cli.module';
import { ticketReadConditionFor } from '../../libs/core/src/tickets/ticket-access';
import { assertBenchDatabase, UsageError, wholeNumber } from '../common';
import { CpuMeter, measureHttp, measureSql, Measured } from './load';
import { BenchFixture, prepareDatabase, removeCreatedTickets, resetDatabase } from './seed';

const HELP = `Usage: npm run bench:api -- [options]

Seeds a dedicated database (default helpdesk_bench) with a tenant, 20 teams, 200 users and N
tickets, starts the built api against it and measures it with autocannon; the read scenarios
also run their exact SQL straight on a pg Pool for comparison.

  --tickets N          tickets to seed (default 1000000)
  --connections C      concurrent connections, api and raw SQL alike (default 32)
  --duration S         measured seconds per scenario (default 10)
  --warmup S           unmeasured seconds before each measurement (default 2)
  --reuse              keep the bench database when an earlier run finished seeding it
  --reset              drop the bench database and exit
  --scenarios LIST     comma-separated, of: list,deep,search,get,create (default all)
  --q WORD             full-text query of the search scenario (default printer)
  --deep-pages N       pages to follow before the deep-page scenario (default 200)
  --explain            print EXPLAIN (ANALYZE, BUFFERS) of each read query as the agent
  --database-url URL   default $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/helpdesk_bench
  --redis-url URL      default $REDIS_URL or redis://127.0.0.1:6379
  --port P             port of the api under test (default 3100)
  --cpu-prof DIR       run the api with node --cpu-prof, writing its profile into DIR when it stops
`;

const ROOT = resolve(__dirname, '..', '..', '..');
const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const SCENARIOS = ['list', 'deep', 'search', 'get', 'create'] as const;
type Scenario = (typeof SCENARIOS)[number];

const log = (line: string) => process.stdout.write(`${line}\n`);
const REDIS_PREFIX = 'helpdesk-bench';

/** Drops the bench api's Redis keys (rate-limit counters, queued jobs): they belong to the bench database. */
async function clearRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let removed = 0;
    for await (const keys of redis.scanStream({ match: `${REDIS_PREFIX}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length) removed += await redis.unlink(...keys);
    }
    if (removed) log(`Removed ${removed} Redis keys under ${REDIS_PREFIX}:`);
  } catch (error) {
    log(`Could not clear the Redis keys under ${REDIS_PREFIX}: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

interface Options {
  tickets: number;
  connections: number;
  duration: number;
  warmup: number;
  reuse: boolean;
  reset: boolean;
  scenarios: Scenario[];
  q: string;
  deepPages: number;
  explain: boolean;
  databaseUrl: string;
  redisUrl: string;
  port: number;
  cpuProf: string | null;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      tickets: { type: 'string', default: '1000000' },
      connections: { type: 'string', default: '32' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      reuse: { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      q: { type: 'string', default: 'printer' },
      'deep-pages': { type: 'string', default: '200' },
      explain: { type: 'boolean', default: false },
      'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/helpdesk_bench' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      port: { type: 'string', default: '3100' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const scenarios = values.scenarios
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scenarios.filter((s) => !SCENARIOS.includes(s as Scenario));
  if (unknown.length) throw new UsageError(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const databaseUrl = values['database-url'];
  // The database is dropped and recreated: never let that be anything but a bench database.
  assertBenchDatabase(databaseUrl);
  return {
    tickets: wholeNumber('tickets', values.tickets, 1),
    connections: wholeNumber('connections', values.connections, 1),
    duration: wholeNumber('duration', values.duration, 1),
    warmup: wholeNumber('warmup', values.warmup, 0),
    reuse: values.reuse,
    reset: values.reset,
    scenarios: scenarios as Scenario[],
    q: values.q,
    deepPages: wholeNumber('deep-pages', values['deep-pages'], 1),
    explain: values.explain,
    databaseUrl,
    redisUrl: values['redis-url'],
    port: wholeNumber('port', values.port, 1),
    cpuProf: values['cpu-prof'] ? resolve(values['cpu-prof']) : null,
  };
}

/** The api under test: the built main.js as a child process, with its own environment. */
class ApiProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> | null = null;
  private stderr = '';

  constructor(
    private readonly env: Record<string, string>,
    readonly baseUrl: string,
    private readonly nodeArgs: string[] = [],
  ) {}

  async start(port: number): Promise<void> {
    // Something else on the port would answer the readiness check and be measured instead.
    await new Promise<void>((ok, fail) => {
      const probe = createServer();
      probe.once('error', () => fail(new Error(`port ${port} is in use: stop whatever listens there or pass --port`)));
      probe.listen(port, '0.0.0.0', () => probe.close(() => ok()));
    });
    const child = spawn(process.execPath, [...this.nodeArgs, API_MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    // However this process ends (an error, a closed pipe), the api must not outlive it.
    process.once('exit', () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const forward = (chunk: Buffer) => {
      const text = chunk.toString();
      this.stderr = (this.stderr + text).slice(-4000);
      for (const line of text.split('\n').filter(Boolean)) process.stderr.write(`  [api] ${line}\n`);
    };
    child.stdout!.on('data', forward);
    child.stderr!.on('data', forward);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the api exited with code ${child.exitCode}:\n${this.stderr}`);
      try {
        const response = await fetch(`${this.baseUrl}/health/ready`);
        if (response.ok && child.exitCode === null) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the api did not become ready within 60 s');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || !this.exited) return;
    child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}

async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login as ${email}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * Records the SQL a repository method sends instead of running it. It answers one empty row: with
 * none, a list after a cursor would go on to check that the cursor names a ticket, and fail.
 */
class SqlRecorder {
  last: { text: string; values: unknown[] } | null = null;
  readonly dataSource = {
    query: async (text: string, values: unknown[] = []) => {
      this.last = { text, values };
      return [{}];
    },
  };
  take(): { text: string; values: unknown[] } {
    if (!this.last) throw new Error('no SQL recorded');
    const last = this.last;
    this.last = null;
    return last;
  }
}

/**
 * The SQL the api runs for the agent, built by the api's own code: the agent's ability from
 * AuthService (as the auth guard builds it), its read condition from ticketReadConditionFor (libs/access'
 * rules → SQL), and the statement from TicketsRepository.list / findById, recorded, not run.
 */
async function agentSql(config: AppConfig, fixture: BenchFixture) {
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const user = await context.get(UsersRepository).findById(fixture.tenantId, fixture.agentId);
    if (!user) throw new Error('the bench agent is missing');
    const principal = await context.get(AuthService).principalOf(user);
    // The agent's role has no field-level rules: its condition is the same whatever it filters or sorts on.
    const access = ticketReadConditionFor(principal.ability, []);
    const recorder = new SqlRecorder();
    const repository = new TicketsRepository(recorder.dataSource as unknown as DataSource);
    // What TicketsController.list passes for `?limit=50[&q=..][&cursor=..]`: the default sort is -created_at.
    const list = async (extra: { q?: string; cursor?: string }) => {
      const request: TicketListRequest = {
        filter: extra.q ? { q: extra.q } : {},
        access,
        sort: 'created_at',
        descending: true,
        limit: 50,
        cursor: extra.cursor,
      };
      await repository.list(fixture.tenantId, request);
      return recorder.take();
    };
    const findById = async (id: string) => {
      await repository.findById(fixture.tenantId, id, recorder.dataSource as unknown as EntityManager);
      return recorder.take();
    };
    return { access, list, findById };
  } finally {
    await context.close();
  }
}

interface Row {
  name: string;
  api: Measured;
  raw?: Measured;
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cpuText(m: Measured): string {
  const parts = [
    m.cpu.api !== undefined ? `api ${m.cpu.api.toFixed(2)}` : null,
    m.cpu.postgres !== undefined ? `postgres ${m.cpu.postgres.toFixed(2)}` : null,
    `${m.statusCodes ? 'autocannon' : 'pg client'} ${m.cpu.client.toFixed(2)}`,
  ];
  return parts.filter(Boolean).join(' + ');
}

function describe(label: string, m: Measured): string {
  const failures = m.statusCodes
    ? `non-2xx ${m.failures} ${JSON.stringify(m.statusCodes)}`
    : `failures ${m.failures}${m.firstError ? ` (first: ${m.firstError})` : ''}`;
  const digits = m.statusCodes ? 0 : 1;
  return `  ${label} ${fmt(m.rate)}/s, p50 ${fmt(m.p50, digits)} ms, p99 ${fmt(m.p99, digits)} ms, ${failures}; CPU ms per request: ${cpuText(m)}; load avg ${m.load.toFixed(2)}`;
}

function table(rows: Row[]): string {
  const header = [
    'scenario',
    'api req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'CPU ms/req api + pg',
    'raw pg q/s',
    'raw p50 ms',
    'raw p99 ms',
    'raw CPU ms/q pg',
    'api/raw',
  ];
  const cpu = (m: Measured) => (m.cpu.api !== undefined ? `${m.cpu.api.toFixed(2)} + ${m.cpu.postgres?.toFixed(2) ?? '?'}` : '-');
  const body = rows.map((r) => [
    r.name,
    fmt(r.api.rate),
    fmt(r.api.p50),
    fmt(r.api.p99),
    fmt(r.api.failures),
    cpu(r.api),
    r.raw ? fmt(r.raw.rate) : '-',
    r.raw ? fmt(r.raw.p50, 1) : '-',
    r.raw ? fmt(r.raw.p99, 1) : '-',
    r.raw ? (r.raw.cpu.postgres?.toFixed(2) ?? '?') : '-',
    r.raw && r.raw.rate > 0 ? `${(r.api.rate / r.raw.rate).toFixed(2)}` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.reset) {
    await resetDatabase(opts.databaseUrl, log);
    await clearRedis(opts.redisUrl);
    return;
  }

  const jwtSecret = randomBytes(48).toString('base64url');
  const apiEnv: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    // Rate-limit counters and queues of the bench stay apart from any other deployment on this Redis.
    REDIS_PREFIX,
    JWT_SECRET: jwtSecret,
    API_PORT: String(opts.port),
    LOG_LEVEL: 'warn',
    // The highest limit the configuration accepts; the bench must never meet a 429.
    RATE_LIMIT_DEFAULT: '10000000',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    DATA_DIR: join(tmpdir(), 'helpdesk-bench-data'),
  };
  const config = loadConfig(apiEnv);

  const admin = new URL(opts.databaseUrl);
  admin.pathname = '/postgres';
  const pg = new Pool({ connectionString: admin.toString(), max: 1 });
  const server = await pg.query<{ server_version: string }>('SHOW server_version').finally(() => pg.end());
  log(
    `helpdesk api benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${server.rows[0].server_version}`,
  );
  log(`database ${redact(opts.databaseUrl)}; ${opts.connections} connections, ${opts.duration} s per scenario after ${opts.warmup} s of warm-up`);
  log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (anything else running on these ${cpus().length} cores lowers every figure below)`,
  );

  const fixture = await prepareDatabase(config, { reuse: opts.reuse, tickets: opts.tickets }, log);
  const sql = await agentSql(config, fixture);
  const raw = new Pool({ connectionString: opts.databaseUrl, max: opts.connections });
  const visible = await raw.query<{ count: string }>(`SELECT count(*) FROM tickets t WHERE t.tenant_id = $1 AND NOT t.archived AND t.team_id = $2`, [
    fixture.tenantId,
    fixture.agentTeamId,
  ]);
  const matching = await raw.query<{ count: string }>(
    `SELECT count(*) FROM tickets t WHERE t.tenant_id = $1 AND NOT t.archived AND t.team_id = $2 AND t.search @@ websearch_to_tsquery('english', $3)`,
    [fixture.tenantId, fixture.agentTeamId, opts.q],
  );
  log(
    `${fixture.ticketCount.toLocaleString('en-US')} tickets; the agent (ops_agent, one team) sees ${Number(visible.rows[0].count).toLocaleString('en-US')}, of which ${Number(matching.rows[0].count).toLocaleString('en-US')} match "${opts.q}"`,
  );
  log(`agent's access condition (libs/access): ${sql.access.sql}`);

  const api = new ApiProcess(apiEnv, `http://127.0.0.1:${opts.port}`, opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []);
  const stopApi = () => void api.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopApi);
  process.once('SIGTERM', stopApi);
  const rows: Row[] = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    const started = Date.now();
    await api.start(opts.port);
    log(`api started (pid ${api.pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const agentToken = await login(api.baseUrl, fixture.agentEmail, fixture.password);
    const adminToken = await login(api.baseUrl, fixture.adminEmail, fixture.password);
    const asAgent = { authorization: `Bearer ${agentToken}` };
    const asAdmin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const monitor = new Client({ connectionString: opts.databaseUrl });
    await monitor.connect();
    closers.push(() => monitor.end());
    const common = { url: api.baseUrl, meter: new CpuMeter(monitor, api.pid), connections: opts.connections, duration: opts.duration, warmup: opts.warmup };
    const rawCommon = { pool: raw, meter: new CpuMeter(monitor), connections: opts.connections, duration: opts.duration, warmup: opts.warmup };

    const explain = async (label: string, query: { text: string; values: unknown[] }) => {
      if (!opts.explain) return;
      const plan = await raw.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, query.values);
      log(`\nEXPLAIN (ANALYZE, BUFFERS) — ${label}:\n${plan.rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}\n`);
    };

    const read = async (name: string, path: () => string, query: () => { text: string; values: unknown[] }, sample: { text: string; values: unknown[] }) => {
      await explain(name, sample);
      const probe = await fetch(`${api.baseUrl}${path()}`, { headers: asAgent });
      const bytes = (await probe.arrayBuffer()).byteLength;
      log(`\n▶ ${name} (HTTP ${probe.status}, ${(bytes / 1024).toFixed(1)} KiB per answer)`);
      const apiResult = await measureHttp({ ...common, request: () => ({ method: 'GET', path: path(), headers: asAgent }) });
      log(describe('api:   ', apiResult));
      const rawResult = await measureSql({ ...rawCommon, query });
      log(describe('raw pg:', rawResult));
      rows.push({ name, api: apiResult, raw: rawResult });
    };

    if (opts.scenarios.includes('list')) {
      const query = await sql.list({});
      await read(
        'list, first page (agent)',
        () => '/api/v1/tickets?limit=50',
        () => query,
        query,
      );
    }

    if (opts.scenarios.includes('deep')) {
      let cursor: string | null = null;
      const started = Date.now();
      for (let page = 0; page < opts.deepPages; page++) {
        const response = await fetch(`${api.baseUrl}/api/v1/tickets?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: asAgent });
        if (!response.ok) throw new Error(`paging: HTTP ${response.status} ${await response.text()}`);
        const body = (await response.json()) as { next_cursor: string | null };
        if (!body.next_cursor) break;
        cursor = body.next_cursor;
      }
      if (!cursor) throw new Error('the agent sees only one page: seed more tickets for the deep-page scenario');
      log(
        `\nfollowed next_cursor ${opts.deepPages} pages deep (${(opts.deepPages * 50).toLocaleString('en-US')} rows) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      const query = await sql.list({ cursor });
      const deepCursor = cursor;
      await read(
        `list, page ${opts.deepPages} by cursor (agent)`,
        () => `/api/v1/tickets?limit=50&cursor=${encodeURIComponent(deepCursor)}`,
        () => query,
        query,
      );
    }

    if (opts.scenarios.includes('search')) {
      const query = await sql.list({ q: opts.q });
      await read(
        `full text q=${opts.q} (agent)`,
        () => `/api/v1/tickets?q=${encodeURIComponent(opts.q)}&limit=50`,
        () => query,
        query,
      );
    }

    if (opts.scenarios.includes('get')) {
      const ids = (
        await raw.query<{ id: string }>(`SELECT id FROM tickets WHERE tenant_id = $1 AND team_id = $2 AND NOT is_sensitive ORDER BY md5(id::text) LIMIT 1000`, [
          fixture.tenantId,
          fixture.agentTeamId,
        ])
      ).rows.map((r) => r.id);
      const queries: Array<{ text: string; values: unknown[] }> = [];
      for (const id of ids) queries.push(await sql.findById(id));
      let apiNext = 0;
      let rawNext = 0;
      await read(
        `get by id, ${ids.length} ids rotated (agent)`,
        () => `/api/v1/tickets/${ids[apiNext++ % ids.length]}`,
        () => queries[rawNext++ % queries.length],
        queries[0],
      );
    }

    if (opts.scenarios.includes('create')) {
      const priorities = ['low', 'medium', 'medium', 'high', 'critical'];
      const types = ['support', 'question', 'incident', 'bug', 'task', 'feature'];
      let n = 0;
      log('\n▶ create (admin)');
      const result = await measureHttp({
        ...common,
        request: () => {
          n++;
          return {
            method: 'POST',
            path: '/api/v1/tickets',
            headers: asAdmin,
            body: JSON.stringify({
              title: `Bench ${n}: ${types[n % types.length]} about the printer at store ${n % 97}`,
              type: types[n % types.length],
              priority: priorities[n % priorities.length],
            }),
          };
        },
      });
      log(describe('api:   ', result));
      rows.push({ name: 'create (admin)', api: result });
    }
    // Let the answers autocannon stopped waiting for finish before the api shuts down.
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    await api.stop();
    for (const close of closers) await close();
    await raw.end();
  }
  if (opts.scenarios.includes('create')) await removeCreatedTickets(opts.databaseUrl, fixture, log);
  await clearRedis(opts.redisUrl);

  log(
    `\nResults (${fixture.ticketCount.toLocaleString('en-US')} tickets, ${opts.connections} connections, ${opts.duration} s each; api latencies in whole ms as autocannon records them):\n`,
  );
  log(table(rows));
  log(`\napi stopped; the bench database is kept (--reuse to measure it again, --reset to drop it).`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof UsageError ? `bench:api: ${error.message}\n\n${HELP}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
