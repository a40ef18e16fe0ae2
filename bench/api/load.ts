import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Pool } from 'pg';

export interface Measured {
  /** Completed requests (or queries) per second over the measured window. */
  rate: number;
  p50: number;
  p99: number;
  count: number;
  /** Answers other than 2xx (api) or failed queries (raw). */
  failures: number;
  statusCodes?: Record<string, number>;
  /** CPU time of the process under test (the api child, or this process for raw SQL) per request, in ms. */
  cpuMsPerRequest?: number;
  /** 1-minute load average when the measurement ended: other work on the machine shows here. */
  load: number;
}

/** User + system CPU seconds a process has used so far (Linux /proc), or null elsewhere. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name; in clock ticks (100 Hz).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

export interface HttpScenario {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
  /** The api's pid, to charge its CPU time to the requests. */
  pid?: number;
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
  const cpuBefore = scenario.pid ? cpuSeconds(scenario.pid) : null;
  const result = await run(scenario.duration);
  const cpuAfter = scenario.pid ? cpuSeconds(scenario.pid) : null;
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
    cpuMsPerRequest: cpuBefore !== null && cpuAfter !== null && completed > 0 ? ((cpuAfter - cpuBefore) * 1000) / completed : undefined,
    load: loadavg()[0],
  };
}

export interface SqlScenario {
  pool: Pool;
  connections: number;
  duration: number;
  warmup: number;
  query: () => { text: string; values: unknown[] };
}

/** The same SQL straight on a pg Pool: `connections` loops, each sending the next query as soon as the last one answers. */
export async function measureSql(scenario: SqlScenario): Promise<Measured> {
  const run = async (durationS: number) => {
    const latencies: number[] = [];
    let failures = 0;
    const cpuStart = process.cpuUsage();
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
          } catch {
            failures++;
          }
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    latencies.sort((a, b) => a - b);
    const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
    return {
      rate: latencies.length / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      count: latencies.length,
      failures,
      cpuMsPerRequest: latencies.length ? (cpu.user + cpu.system) / 1000 / latencies.length : undefined,
      load: loadavg()[0],
    };
  };
  if (scenario.warmup > 0) await run(scenario.warmup);
  return run(scenario.duration);
}
