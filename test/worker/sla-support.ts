/**
 * Shared helpers of the SLA worker suites (sla-escalation.e2e-spec.ts, sla-race.e2e-spec.ts):
 * bounded polling, SLA policies through the admin API, and the SLA rows a ticket leaves behind.
 * Time is real: SLA windows of a few seconds (fractional minutes), never fake timers.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { bearer, RunningApp, spawnBuilt, SpawnedProcess, TEST_ENV, testEnvironment, TestTenant, testRedisUrl } from '@helpdesk/testing';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every `intervalMs` until it returns something truthy, and returns that. Fails
 * after `timeoutMs` with `what` and the last value seen (or the last error thrown by `check`).
 */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs: number, intervalMs = 100): Promise<NonNullable<T>> {
  const started = Date.now();
  const deadline = started + Math.max(0, timeoutMs);
  let last: unknown = undefined;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error instanceof Error ? `error: ${error.message}` : error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
  throw new Error(`Timed out after ${Date.now() - started} ms (limit ${timeoutMs} ms) waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

/** Sleeps until the wall-clock instant `at` (+ `extraMs`); returns at once when it has passed. */
export async function sleepUntil(at: Date | string, extraMs = 0): Promise<void> {
  const ms = new Date(at).getTime() + extraMs - Date.now();
  if (ms > 0) await sleep(ms);
}

/** A Redis prefix of this run (so that the global teardown removes it) that only one suite uses. */
export function dedicatedPrefix(label: string): string {
  return `${process.env[TEST_ENV.redisPrefix] ?? 'helpdesk-test'}-${label}-${randomBytes(3).toString('hex')}`;
}

export interface PolicyBody {
  first_response_minutes: number;
  resolution_minutes: number;
  escalation_chain: string[];
  reescalation_minutes?: number;
  near_breach_minutes?: number;
  next_reply_minutes?: number;
}

export async function putPolicy(api: RunningApp, tenant: TestTenant, priority: string, body: PolicyBody): Promise<Record<string, any>> {
  const response = await request(api.url)
    .put(`/api/v1/admin/sla-policies/${priority}`)
    .set(...bearer(tenant.adminToken))
    .send(body);
  if (response.status !== 200) throw new Error(`PUT sla-policies/${priority} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export interface EscalationRow {
  id: string;
  ticket_id: string;
  from_level: number;
  to_level: number;
  from_role: string | null;
  to_role: string;
  trigger: string;
  breach_key: string;
  chain_exhausted: boolean;
  actor_type: string;
  acknowledged_at: Date | null;
  created_at: Date;
}

export interface SlaEventRowLite {
  kind: string;
  target: string | null;
  window_key: string | null;
  details: Record<string, any>;
  occurred_at: Date;
}

/** The SLA-related rows of one ticket, read straight from the database. */
export function slaRows(db: () => DataSource) {
  return {
    ticket: async (id: string): Promise<Record<string, any>> => (await db().query('SELECT * FROM tickets WHERE id = $1', [id]))[0],
    escalations: (id: string): Promise<EscalationRow[]> =>
      db().query('SELECT * FROM ticket_escalations WHERE ticket_id = $1 ORDER BY created_at, to_level', [id]),
    events: (id: string, kind?: string): Promise<SlaEventRowLite[]> =>
      db().query(
        'SELECT kind, target, window_key, details, occurred_at FROM sla_events WHERE ticket_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY occurred_at, id',
        [id, kind ?? null],
      ),
    outbox: async (id: string, type: string): Promise<Record<string, any>[]> =>
      (await db().query("SELECT payload FROM outbox_events WHERE aggregate_type = 'ticket' AND aggregate_id = $1 AND type = $2 ORDER BY seq", [id, type])).map(
        (r: { payload: Record<string, any> }) => r.payload,
      ),
    audit: async (id: string): Promise<Array<{ action: string; changes: Record<string, any> }>> =>
      db().query('SELECT action, changes FROM ticket_audit WHERE ticket_id = $1 ORDER BY seq', [id]),
  };
}

/** Counts of `items` by a key, as a plain object (for readable toEqual failures). */
export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Deletes every Redis key under `prefix` (SCAN + DEL, never FLUSHALL); answers how many. */
export async function deleteKeysUnder(prefix: string): Promise<number> {
  const redis = new Redis(testRedisUrl());
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}

/** A built worker process; see spawnBuilt. */
export type SpawnedWorker = SpawnedProcess;

/** Starts the BUILT worker with the run's environment plus `overrides`; resolves once /health/ready answers 200. */
export function spawnWorker(name: string, overrides: Record<string, string>, cwd: string, readyTimeoutMs = 30_000): Promise<SpawnedWorker> {
  return spawnBuilt('worker', name, testEnvironment({ LOG_LEVEL: 'warn', ...overrides }), cwd, { readyTimeoutMs, lifetimeMs: 300_000 });
}

/** One Prometheus counter value from a worker's /metrics (0 when the series does not exist yet). */
export async function metricValue(worker: SpawnedWorker, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).startsWith('{') ? line.slice(name.length + 1, line.indexOf('}')) : '';
    if (wanted.every((w) => labelPart.split(',').includes(w))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * A precondition of a scenario, not a speed check: the step just taken had to happen before
 * `instant` for the scenario to mean anything. Fails with a message saying so if the machine was
 * too slow to set the scenario up in time.
 */
export function assertStillBefore(instant: Date, step: string): void {
  if (Date.now() >= instant.getTime()) {
    throw new Error(`precondition not met: ${step} had to happen before ${instant.toISOString()}; the machine was too slow to set up this scenario`);
  }
}
