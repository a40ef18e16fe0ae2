import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

/** What the statements of the monitor are, by the start of their SQL. */
const LABELS: Array<[RegExp, string]> = [
  [/^START TRANSACTION|^BEGIN/i, 'BEGIN'],
  [/^COMMIT/i, 'COMMIT'],
  [/^ROLLBACK/i, 'ROLLBACK'],
  [/FOR NO KEY UPDATE SKIP LOCKED/i, 'SELECT ticket FOR NO KEY UPDATE SKIP LOCKED'],
  [/^SELECT id, tenant_id, next_sla_check_at FROM tickets/i, 'SELECT page of due tickets (sweep)'],
  [/^INSERT INTO sla_events/i, 'INSERT sla_events (near_breach | breached | escalated)'],
  [/^INSERT INTO outbox_events/i, 'INSERT outbox_events'],
  [/^SELECT .* FROM ticket_escalations/i, 'SELECT latest escalation of the breach'],
  [/^UPDATE tickets SET escalation_level/i, 'UPDATE tickets level (compare-and-set) RETURNING *'],
  [/^INSERT INTO ticket_escalations/i, 'INSERT ticket_escalations'],
  [/^SELECT hash FROM ticket_audit/i, 'SELECT last audit hash'],
  [/^INSERT INTO ticket_audit/i, 'INSERT ticket_audit'],
  [/^UPDATE tickets SET/i, 'UPDATE tickets SLA columns'],
  [/FROM sla_policies/i, 'SELECT sla policy'],
];

function labelOf(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  for (const [pattern, label] of LABELS) if (pattern.test(text)) return label;
  return text.slice(0, 60);
}

export interface QueryStat {
  label: string;
  count: number;
  totalMs: number;
}

/**
 * Counts and times every statement TypeORM sends to PostgreSQL, by kind, while active. It wraps
 * PostgresQueryRunner.prototype.query in this process only; the app's code is unchanged. The
 * sweep runs its tickets one after the other, so the summed times are wall-clock time.
 */
export class QueryProfiler {
  private readonly stats = new Map<string, QueryStat>();
  private original: PostgresQueryRunner['query'] | null = null;

  start(): void {
    if (this.original) return;
    const original = PostgresQueryRunner.prototype.query;
    this.original = original;
    const stats = this.stats;
    PostgresQueryRunner.prototype.query = async function (this: PostgresQueryRunner, ...args: Parameters<PostgresQueryRunner['query']>) {
      const started = process.hrtime.bigint();
      try {
        return await original.apply(this, args);
      } finally {
        const label = labelOf(String(args[0]));
        const stat = stats.get(label) ?? { label, count: 0, totalMs: 0 };
        stat.count += 1;
        stat.totalMs += Number(process.hrtime.bigint() - started) / 1e6;
        stats.set(label, stat);
      }
    } as PostgresQueryRunner['query'];
  }

  stop(): QueryStat[] {
    if (this.original) PostgresQueryRunner.prototype.query = this.original;
    this.original = null;
    return [...this.stats.values()].sort((a, b) => b.totalMs - a.totalMs);
  }
}

/** Times an async method of one object (e.g. the SlaScheduler the monitor holds) while active. */
export function timeMethod<T extends object, K extends keyof T>(target: T, method: K): { stat: { count: number; totalMs: number }; restore: () => void } {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  const stat = { count: 0, totalMs: 0 };
  (target as Record<K, unknown>)[method] = async (...args: unknown[]) => {
    const started = process.hrtime.bigint();
    try {
      return await original.apply(target, args);
    } finally {
      stat.count += 1;
      stat.totalMs += Number(process.hrtime.bigint() - started) / 1e6;
    }
  };
  return { stat, restore: () => ((target as Record<K, unknown>)[method] = original as unknown as T[K]) };
}

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
