import autocannon from 'autocannon';
import { loadavg } from 'node:os';
import { Client, Pool } from 'pg';
import { cpuSeconds } from '../common';

/** CPU time per request, in ms, by who spent it. Undefined where it could not be read. */
export interface CpuShare {
  /** The api process (HTTP scenarios only). */
  api?: number;
  /** The PostgreSQL backends connected to the bench database. */
  postgres?: number;
  /** This process: autocannon for HTTP scenarios, the pg client (protocol, row parsing) for raw SQL. */
  client: number;
}

export interface Measured {
  /** Completed requests (or queries) per second over the measured window. */
  rate: number;
  p50: number;
  p99: number;
  count: number;
  /** Answers other than 2xx (api) or failed queries (raw). */
  failures: number;
  statusCodes?: Record<string, number>;
  /** The first failure's message (raw SQL). */
  firstError?: string;
  cpu: CpuShare;
  /** 1-minute load average when the measurement ended: other work on the machine shows here. */
  load: number;
}

/**
 * Reads the CPU time of the api process and of every PostgreSQL backend on the bench database
 * (found in pg_stat_activity, read from /proc: only when PostgreSQL runs on this machine).
 */
export class CpuMeter {
  constructor(
    private readonly monitor: Client,
    private readonly apiPid?: number,
  ) {}

  async snapshot(): Promise<{ api: number | null; backends: Map<number, number>; self: number }> {
    const { rows } = await this.monitor.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = cpuSeconds(pid);
      if (seconds !== null) backends.set(pid, seconds);
    }
    const self = process.cpuUsage();
    return { api: this.apiPid ? cpuSeconds(this.apiPid) : null, backends, self: (self.user + self.system) / 1e6 };
  }

  static share(before: Awaited<ReturnType<CpuMeter['snapshot']>>, after: Awaited<ReturnType<CpuMeter['snapshot']>>, count: number): CpuShare {
    const perRequest = (seconds: number) => (seconds * 1000) / Math.max(1, count);
    let backends = 0;
    for (const [pid, seconds] of after.backends) backends += seconds - (before.backends.get(pid) ?? 0);
    return {
      api: before.api !== null && after.api !== null ? perRequest(after.api - before.api) : undefined,
      postgres: after.backends.size > 0 ? perRequest(backends) : undefined,
      client: perRequest(after.self - before.self),
    };
  }
}

export interface HttpScenario {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
  meter: CpuMeter;
  /** Builds each request; called once per request, so it can rotate ids or vary bodies. */
  request: () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string };
}

/** Drives the api with autocannon at a fixed concurrency for a fixed time (after an unmeasured warm-up). */
export async function measureHttp(scenario: HttpScenario): Promise<Measured> {
  const run = (duration: number) =>
    autocannon({
      url: scenario.url,
      connections: scenario.connections,
      duration,
      pipelining: 1,
      timeout: 30,
      requests: [{ setupRequest: () => scenario.request() }],
    });
  if (scenario.warmup > 0) await run(scenario.warmup);
  const before = await scenario.meter.snapshot();
  const result = await run(scenario.duration);
  const after = await scenario.meter.snapshot();
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    rate: completed / result.duration,
    // autocannon records latencies (of 2xx answers) in whole milliseconds.
    p50: result.latency.p50,
    p99: result.latency.p99,
    count: completed,
    failures: result.non2xx + result.errors + result.timeouts,
    statusCodes,
    cpu: CpuMeter.share(before, after, completed),
    load: loadavg()[0],
  };
}

export interface SqlScenario {
  pool: Pool;
  connections: number;
  duration: number;
  warmup: number;
  meter: CpuMeter;
  query: () => { text: string; values: unknown[] };
}

/** The same SQL straight on a pg Pool: `connections` loops, each sending the next query as soon as the last one answers. */
export async function measureSql(scenario: SqlScenario): Promise<Measured> {
  const run = async (durationS: number) => {
    const latencies: number[] = [];
    let failures = 0;
    let firstError: string | undefined;
    const started = process.hrtime.bigint();
    const end = started + BigInt(Math.round(durationS * 1e9));
    await Promise.all(
      Array.from({ length: scenario.connections }, async () => {
        while (process.hrtime.bigint() < end) {
          const { text, values } = scenario.query();
          const t0 = process.hrtime.bigint();
          try {
            await scenario.pool.query(text, values);
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          } catch (error) {
            failures++;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
    return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), count: latencies.length, failures, firstError };
  };
  if (scenario.warmup > 0) await run(scenario.warmup);
  const before = await scenario.meter.snapshot();
  const result = await run(scenario.duration);
  const after = await scenario.meter.snapshot();
  return { ...result, cpu: CpuMeter.share(before, after, result.count), load: loadavg()[0] };
}
