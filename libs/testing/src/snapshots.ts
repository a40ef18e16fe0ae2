import { RunningApp } from './apps';
import { dataSourceOf } from './fixtures';

/**
 * The tables a refused request must leave as they were: what tickets, their messages, audit trail
 * and events, and the tenant's directory (users, teams, roles, API keys, SLA policies) hold.
 */
export const WATCHED_TABLES = [
  'tickets',
  'ticket_messages',
  'ticket_audit',
  'ticket_watchers',
  'ticket_escalations',
  'outbox_events',
  'users',
  'teams',
  'roles',
  'api_keys',
  'sla_policies',
  'idempotency_keys',
] as const;

export type WatchedTable = (typeof WATCHED_TABLES)[number];

/** Per table, the tenant's row count and a digest of the rows' contents (so that an UPDATE shows too). */
export type TenantSnapshot = Record<WatchedTable, { rows: number; digest: string }>;

/**
 * One tenant's rows of every watched table, read in one statement. Scoped to the tenant so that
 * the test files running beside it in the same database do not move it.
 */
export async function tenantSnapshot(api: RunningApp, tenantId: string): Promise<TenantSnapshot> {
  const sql = WATCHED_TABLES.map(
    (table) =>
      `SELECT '${table}' AS "table", count(*)::int AS rows, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS digest FROM ${table} x WHERE x.tenant_id = $1`,
  ).join(' UNION ALL ');
  const rows: Array<{ table: WatchedTable; rows: number; digest: string }> = await dataSourceOf(api).query(sql, [tenantId]);
  return Object.fromEntries(rows.map(({ table, rows: count, digest }) => [table, { rows: count, digest }])) as TenantSnapshot;
}

/** Only the row counts of a snapshot, for messages that name what moved. */
export function rowCounts(snapshot: TenantSnapshot): Record<WatchedTable, number> {
  return Object.fromEntries(Object.entries(snapshot).map(([table, { rows }]) => [table, rows])) as Record<WatchedTable, number>;
}
