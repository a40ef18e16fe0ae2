import 'reflect-metadata';
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Body, Controller, Get, INestApplication, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, RouteSchema } from '@nestjs/platform-fastify';
import { IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { TICKET_PAGE_SCHEMA } from '../../apps/api/src/tickets/ticket.schema';
import { cpuSeconds, mulberry32, wholeNumber } from '../common';

/*
 * Express vs Fastify under NestJS 11, measured on this machine.
 *
 * One script, two roles: run plainly it is the load generator (autocannon in this process); with
 * `--serve express|fastify` it is the server, a minimal Nest app on a loopback port, which the
 * load generator forks once per adapter so that the two never share an event loop.
 */

const HELP = `Usage: npm run bench:adapters -- [options]

Starts a minimal Nest app under the Express adapter and under the Fastify adapter, each in its
own child process on 127.0.0.1, and drives GET /ping, POST /echo (ValidationPipe) and GET /list
(50 ticket-shaped objects; on Fastify also with a response JSON schema) with autocannon.

  --connections C   concurrent connections (default 32)
  --duration S      measured seconds per run (default 10)
  --warmup S        unmeasured seconds before each run (default 2)
  --runs N          runs per scenario, the best (highest req/s) is reported (default 2)
`;

const log = (line = '') => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// The app under test (identical for both adapters)
// ---------------------------------------------------------------------------------------------

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

class EchoDto {
  @IsString()
  @Length(1, 200)
  title: string;

  @IsIn(PRIORITIES)
  priority: (typeof PRIORITIES)[number];

  @IsInt()
  @Min(0)
  @Max(1000)
  count: number;
}

const PING = { ok: true, service: 'helpdesk-bench', version: 1 } as const;

const WORDS = (
  'printer scanner badge laptop vpn wifi email outlook invoice refund payment terminal till receipt ' +
  'franchise store manager shift login password reset account locked screen keyboard cable delivery ' +
  'warehouse stock order customer complaint urgent broken slow error again since yesterday morning please ' +
  'help cannot open update install license renewal contract region office floor third jam toner paper'
).split(' ');

/** A page of 50 ticket-shaped objects: 32 fields each (7 of them dates), ~1.4 KB of JSON per ticket, like the api's list. */
function ticketPage(): { data: Record<string, unknown>[]; next_cursor: string } {
  const next = mulberry32(20260101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const sentence = () => {
    const s = words(8 + Math.floor(next() * 10));
    return `${s[0].toUpperCase()}${s.slice(1)}.`;
  };
  const tenant = uuid();
  const teams = Array.from({ length: 5 }, uuid);
  const base = Date.UTC(2026, 10, 20, 12, 0, 0);
  const data = Array.from({ length: 50 }, (_, i) => {
    const created = new Date(base - i * 17 * 60_000 - Math.floor(next() * 60_000));
    const responded = next() < 0.6 ? new Date(created.getTime() + Math.floor(next() * 3_600_000)) : null;
    const resolved = next() < 0.3 ? new Date(created.getTime() + Math.floor(next() * 86_400_000)) : null;
    return {
      id: uuid(),
      tenant_id: tenant,
      title: words(6),
      description: Array.from({ length: 6 + Math.floor(next() * 4) }, sentence).join(' '),
      type: pick(['incident', 'service_request', 'question', 'problem', 'billing']),
      priority: pick(PRIORITIES),
      status: resolved ? 'resolved' : pick(['new', 'open', 'in_progress', 'awaiting_customer']),
      source: pick(['web', 'email', 'api', 'phone']),
      requester_id: uuid(),
      assignee_id: next() < 0.8 ? uuid() : null,
      team_id: pick(teams),
      owner_role: pick(['ops_agent', 'hq_support', 'franchise_agent']),
      franchise_id: next() < 0.5 ? uuid() : null,
      region: pick(['north', 'south', 'east', 'west', null]),
      linked_type: next() < 0.3 ? 'invoice' : null,
      linked_id: next() < 0.3 ? `INV-${hex(8)}` : null,
      tags: Array.from({ length: Math.floor(next() * 4) }, () => pick(WORDS)),
      metadata: { channel: pick(['portal', 'mail']), store: `S-${100 + Math.floor(next() * 900)}`, attempts: Math.floor(next() * 3) },
      is_sensitive: next() < 0.05,
      version: 1 + Math.floor(next() * 6),
      sla_policy_id: uuid(),
      first_response_due_at: new Date(created.getTime() + 4 * 3_600_000),
      first_responded_at: responded,
      resolution_due_at: new Date(created.getTime() + 48 * 3_600_000),
      sla_paused_seconds: Math.floor(next() * 1800),
      sla_state: pick(['on_track', 'at_risk', 'breached', 'met']),
      escalation_level: Math.floor(next() * 3),
      breached_at: next() < 0.1 ? new Date(created.getTime() + 5 * 3_600_000) : null,
      reopen_count: Math.floor(next() * 2),
      resolved_at: resolved,
      created_at: created,
      updated_at: new Date(created.getTime() + Math.floor(next() * 7_200_000)),
    };
  });
  return { data, next_cursor: Buffer.from(JSON.stringify({ c: data[49].created_at, i: data[49].id })).toString('base64url') };
}

// Served plain, and (Fastify) with the api's own response schema: TICKET_PAGE_SCHEMA of the tickets routes.
const TICKET_PAGE = ticketPage();

@Controller()
class BenchController {
  @Get('ping')
  ping() {
    return PING;
  }

  /** Validated and whitelisted by the global ValidationPipe; `transformed` shows that a DTO instance arrived. */
  @Post('echo')
  echo(@Body() dto: EchoDto) {
    return { title: dto.title, priority: dto.priority, count: dto.count, transformed: dto instanceof EchoDto };
  }

  /** The adapter's default serialisation (JSON.stringify on both). */
  @Get('list')
  list() {
    return TICKET_PAGE;
  }

  /** Same page with a response JSON schema: Fastify compiles a serializer (fast-json-stringify); Express ignores the metadata. */
  @Get('list-schema')
  @RouteSchema({ response: { 200: TICKET_PAGE_SCHEMA } })
  listWithSchema() {
    return TICKET_PAGE;
  }
}

@Module({ controllers: [BenchController] })
class BenchAppModule {}

const ADAPTERS = ['express', 'fastify'] as const;
type AdapterName = (typeof ADAPTERS)[number];

/** Child role: serve the app under one adapter on an ephemeral loopback port and report it to the parent. */
async function serve(adapterName: AdapterName): Promise<void> {
  // Each adapter with its defaults (Express: ETag, x-powered-by, body-parser json+urlencoded; Fastify: its JSON parser).
  const adapter = adapterName === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app: INestApplication = await NestFactory.create(BenchAppModule, adapter, { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const stop = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.send) {
    process.once('disconnect', stop); // the parent went away: do not linger
    process.send({ port });
  } else {
    log(`${adapterName} app listening on http://127.0.0.1:${port}`); // started by hand, for poking at it
  }
}

// ---------------------------------------------------------------------------------------------
// The load generator
// ---------------------------------------------------------------------------------------------

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number; average: number };
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  timeout: number;
  method: string;
  headers?: Record<string, string>;
  body?: string;
}) => PromiseLike<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

interface Server {
  adapter: AdapterName;
  child: ChildProcess;
  url: string;
}

async function startServer(adapter: AdapterName): Promise<Server> {
  const child = fork(__filename, ['--serve', adapter], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the ${adapter} server did not start within 30 s`)), 30_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      ok(message.port);
    });
    child.once('exit', (code) => fail(new Error(`the ${adapter} server exited with code ${code}`)));
  });
  return { adapter, child, url: `http://127.0.0.1:${port}` };
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((done) => server.child.once('exit', done));
  server.child.kill('SIGTERM');
  const timeout = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timeout);
}

const ECHO_BODY = JSON.stringify({ title: 'Printer on the third floor jams again', priority: 'high', count: 3 });
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Scenario {
  adapter: AdapterName;
  route: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

const ROUTES: Omit<Scenario, 'adapter'>[] = [
  { route: 'GET /ping', method: 'GET', path: '/ping' },
  { route: 'POST /echo (ValidationPipe)', method: 'POST', path: '/echo', body: ECHO_BODY },
  { route: 'GET /list (50 tickets)', method: 'GET', path: '/list' },
  { route: 'GET /list + response schema', method: 'GET', path: '/list-schema' },
];

function scenarios(): Scenario[] {
  const all: Scenario[] = [];
  for (const route of ROUTES) {
    for (const adapter of ADAPTERS) {
      // @RouteSchema is Fastify's; on Express the route is plain JSON.stringify, already measured as /list.
      if (adapter === 'express' && route.path === '/list-schema') continue;
      all.push({ adapter, ...route });
    }
  }
  return all;
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
  }
}

interface Run {
  rate: number;
  p50: number;
  p99: number;
  count: number;
  failures: number;
  /** CPU ms per request in the server process. */
  serverCpuMs: number | null;
  /** CPU of this process (autocannon) as a share of one core: near 100 % the load generator is the limit. */
  clientCpu: number;
  /** 1-minute load average just before the run. */
  load: number;
}

async function measure(server: Server, scenario: Scenario, options: Options): Promise<Run> {
  const run = (duration: number) =>
    autocannon({
      url: `${server.url}${scenario.path}`,
      connections: options.connections,
      duration,
      pipelining: 1,
      timeout: 30,
      method: scenario.method,
      ...(scenario.body ? { headers: JSON_HEADERS, body: scenario.body } : {}),
    });
  const load = loadavg()[0];
  if (options.warmup > 0) await run(options.warmup);
  const serverBefore = cpuSeconds(server.child.pid);
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await run(options.duration);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = cpuSeconds(server.child.pid);
  const count = Object.values(result.statusCodeStats).reduce((sum, { count }) => sum + count, 0);
  return {
    rate: count / result.duration,
    // autocannon records latencies (of answered requests) in whole milliseconds.
    p50: result.latency.p50,
    p99: result.latency.p99,
    count,
    failures: result.non2xx + result.errors + result.timeouts,
    serverCpuMs: serverBefore !== null && serverAfter !== null ? ((serverAfter - serverBefore) * 1000) / Math.max(1, count) : null,
    clientCpu: (client.user + client.system) / 1e6 / wall,
    load,
  };
}

/** Before measuring: each route answers what it should, and identically under both adapters (the schema drops nothing). */
async function check(servers: Record<AdapterName, Server>): Promise<void> {
  const expectedPage = JSON.parse(JSON.stringify(TICKET_PAGE)) as unknown;
  const problems: string[] = [];
  const expect = (what: string, ok: boolean) => {
    if (!ok) problems.push(what);
  };
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
  for (const adapter of ADAPTERS) {
    const { url } = servers[adapter];
    const ping = await fetch(`${url}/ping`);
    expect(`${adapter} GET /ping`, ping.status === 200 && isDeepStrictEqual(await ping.json(), PING));
    const echo = await fetch(`${url}/echo`, { method: 'POST', headers: JSON_HEADERS, body: ECHO_BODY });
    expect(`${adapter} POST /echo`, echo.status === 201 && isDeepStrictEqual(await echo.json(), { ...JSON.parse(ECHO_BODY), transformed: true }));
    const extra = await post(`${url}/echo`, { ...JSON.parse(ECHO_BODY), admin: true });
    expect(`${adapter} POST /echo with an unknown field → 400`, extra.status === 400);
    const missing = await post(`${url}/echo`, { title: 'x', priority: 'high' });
    expect(`${adapter} POST /echo without count → 400`, missing.status === 400);
    const wrong = await post(`${url}/echo`, { title: 'x', priority: 'whenever', count: 1 });
    expect(`${adapter} POST /echo with a bad priority → 400`, wrong.status === 400);
    const paths = adapter === 'fastify' ? ['/list', '/list-schema'] : ['/list'];
    for (const path of paths) {
      const list = await fetch(`${url}${path}`);
      const raw = await list.text();
      expect(`${adapter} GET ${path}`, list.status === 200 && isDeepStrictEqual(JSON.parse(raw), expectedPage));
      log(
        `  ${adapter.padEnd(7)} GET ${path.padEnd(12)} ${list.status}, ${raw.length.toLocaleString('en-US')} bytes, content-type ${list.headers.get('content-type')}`,
      );
    }
  }
  if (problems.length) throw new Error(`the apps do not answer as expected: ${problems.join('; ')}`);
  log('  every route answers as expected, and the same JSON under both adapters (with and without the schema)');
}

interface Options {
  connections: number;
  duration: number;
  warmup: number;
  runs: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '32' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      runs: { type: 'string', default: '2' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const whole = (name: string, value: string, min: number) => {
    try {
      return wholeNumber(name, value, min);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
      process.exit(2);
    }
  };
  return {
    connections: whole('connections', values.connections, 1),
    duration: whole('duration', values.duration, 1),
    warmup: whole('warmup', values.warmup, 0),
    runs: whole('runs', values.runs, 1),
  };
}

function version(pkg: string, from?: string): string {
  try {
    const req = createRequire(from ? createRequire(__filename).resolve(`${from}/package.json`) : __filename);
    return (req(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  log(
    `Adapters bench: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `@nestjs/core ${version('@nestjs/core')}, @nestjs/platform-express ${version('@nestjs/platform-express')} (express ${version('express', '@nestjs/platform-express')}), ` +
      `@nestjs/platform-fastify ${version('@nestjs/platform-fastify')} (fastify ${version('fastify', '@nestjs/platform-fastify')}), autocannon ${version('autocannon')}`,
  );
  log(
    `${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s measured per run, ${options.runs} runs per scenario (best reported)`,
  );
  log(`at start: ${uptime()}`);

  const servers = {} as Record<AdapterName, Server>;
  try {
    for (const adapter of ADAPTERS) servers[adapter] = await startServer(adapter);
    log(`servers: ${ADAPTERS.map((a) => `${a} ${servers[a].url} (pid ${servers[a].child.pid})`).join(', ')}`);
    await check(servers);

    const all = scenarios();
    const runs = new Map<Scenario, Run[]>(all.map((s) => [s, []]));
    for (let round = 1; round <= options.runs; round++) {
      // Adapters alternate within each route and swap order every round, so drift in the machine's load hits both alike.
      const order = ROUTES.flatMap((route) => {
        const pair = all.filter((s) => s.path === route.path);
        return round % 2 === 1 ? pair : [...pair].reverse();
      });
      for (const scenario of order) {
        log(`\n[run ${round}/${options.runs}] ${scenario.adapter} ${scenario.route} — before: ${uptime()}`);
        const run = await measure(servers[scenario.adapter], scenario, options);
        runs.get(scenario)!.push(run);
        log(
          `  ${fmt(run.rate)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${fmt(run.count)} answers, ${run.failures} non-2xx/errors, ` +
            `server ${run.serverCpuMs === null ? '?' : fmt(run.serverCpuMs * 1000)} µs CPU/req, autocannon ${fmt(run.clientCpu * 100)} % of a core`,
        );
      }
    }

    const best = new Map(all.map((s) => [s, runs.get(s)!.reduce((a, b) => (b.rate > a.rate ? b : a))]));
    log(
      `\nBest of ${options.runs} runs per scenario (${options.connections} connections, ${options.duration} s; latencies in whole ms, as autocannon records them):\n`,
    );
    log(
      table(
        ['adapter', 'route', 'req/s', 'p50 ms', 'p99 ms', 'all runs req/s', 'non-2xx', 'server CPU µs/req', 'autocannon CPU', 'load 1m before'],
        all.map((s) => {
          const b = best.get(s)!;
          return [
            s.adapter,
            s.route,
            fmt(b.rate),
            String(b.p50),
            String(b.p99),
            runs
              .get(s)!
              .map((r) => fmt(r.rate))
              .join(' / '),
            String(b.failures),
            b.serverCpuMs === null ? '?' : fmt(b.serverCpuMs * 1000),
            `${fmt(b.clientCpu * 100)} %`,
            fmt(b.load, 2),
          ];
        }),
        [false, false, true, true, true, true, true, true, true, true],
      ),
    );
    log('');
    const rate = (adapter: AdapterName, path: string) => best.get(all.find((s) => s.adapter === adapter && s.path === path)!)!.rate;
    for (const route of ROUTES.filter((r) => r.path !== '/list-schema')) {
      log(`fastify / express, ${route.route}: ${fmt(rate('fastify', route.path) / rate('express', route.path), 2)}×`);
    }
    log(`fastify with response schema / express, GET /list: ${fmt(rate('fastify', '/list-schema') / rate('express', '/list'), 2)}×`);
    log(`fastify with / without response schema, GET /list: ${fmt(rate('fastify', '/list-schema') / rate('fastify', '/list'), 2)}×`);
    log(`at end: ${uptime()}`);
  } finally {
    await Promise.all(Object.values(servers).map(stopServer));
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex !== -1) {
  const adapter = process.argv[serveIndex + 1] as AdapterName;
  if (!ADAPTERS.includes(adapter)) {
    process.stderr.write(`--serve takes one of ${ADAPTERS.join(', ')}\n`);
    process.exit(2);
  }
  serve(adapter).catch((error: unknown) => {
    process.stderr.write(`[${adapter}] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
