/** Helpers the benchmarks share: argument checks, a PostgreSQL client per task, CPU readings, a seeded PRNG. */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { redact } from '@helpdesk/config';

/** A wrong command-line option: the bench prints it with its help text. */
export class UsageError extends Error {}

/** `--name` as a whole number ≥ min (underscores allowed as thousands separators). */
export function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got "${value}")`);
  return n;
}

/** The benches drop and recreate their database: never let that be anything but a bench database. */
export function assertBenchDatabase(url: string): void {
  if (!/bench/i.test(new URL(url).pathname)) throw new UsageError(`the bench database's name must contain "bench" (got ${redact(url)})`);
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** User + system CPU seconds of a process so far, from /proc (null when it is gone or not Linux). */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name; in clock ticks (100 Hz).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** mulberry32: a small seeded generator, so that generated data is the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
