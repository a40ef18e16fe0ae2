import autocannon from 'autocannon';
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
}

export interface HttpScenario {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
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
  const result = await run(scenario.duration);
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
    latencies.sort((a, b) => a - b);
    const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
    return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), count: latencies.length, failures };
  };
  if (scenario.warmup > 0) await run(scenario.warmup);
  return run(scenario.duration);
}
