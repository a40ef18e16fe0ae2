import { DomainError } from '@helpdesk/domain';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** Cursors are opaque to clients: the id of the last row seen, base64url-encoded. */
export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ id }), 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 422 for a cursor the API did not hand out (malformed, out of range, or naming what is not there). */
export const notACursor = () => DomainError.validation([{ field: 'cursor', message: 'is not a cursor this API returned' }]);

/** What a cursor holds, or undefined when it is not base64url-encoded JSON of an object. */
function cursorContent(cursor: string): Record<string, unknown> | undefined {
  try {
    const content: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return content !== null && typeof content === 'object' ? (content as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The id in a cursor of `encodeCursor`: a UUID, or a 422 (field `cursor`). Every value a cursor
 * hands to a query must be one PostgreSQL takes, or the cursor is refused here.
 */
export function decodeCursor(cursor: string): string {
  const id = cursorContent(cursor)?.id;
  if (typeof id === 'string' && UUID.test(id)) return id;
  throw notACursor();
}

/** Cursors of the audit trail: the `seq` (a bigint) of the last row seen, base64url-encoded. */
export function encodeSeqCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ seq }), 'utf8').toString('base64url');
}

/**
 * The seq in a cursor of `encodeSeqCursor`, or a 422 (field `cursor`). JSON numbers past 2^53 are
 * not exact, and past 2^63 (or written 1e+21) PostgreSQL refuses them as a bigint: only safe
 * non-negative integers are seqs.
 */
export function decodeSeqCursor(cursor: string): number {
  const seq = cursorContent(cursor)?.seq;
  if (Number.isSafeInteger(seq) && (seq as number) >= 0) return seq as number;
  throw notACursor();
}

/** What a paginated query runs on: a DataSource or a transaction's EntityManager. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown[]>;
}

/**
 * The one keyset paginator. Rows come in (key, id) order, the id breaking ties between equal keys.
 * A cursor names the last row seen: by its id (`rows`), whose own key a sub-select reads back, exact
 * to the microsecond and riding the (tenant_id, key, id) indexes; or, where the key is a unique
 * bigint that clients may see (`seq`, the audit trail), by that key itself.
 */
export type Keyset = { cursor: 'rows'; table: string; key?: (alias: string) => string; descending?: boolean } | { cursor: 'seq'; column: string };

/** What a query needs to fetch one page: everything but its own columns, filters and FROM. */
export interface KeysetPlan {
  /** The rows past the cursor, with `:name` parameters (fold into positional SQL with SqlParams.named); null on a first page. */
  after: { sql: string; params: Record<string, unknown> } | null;
  /** The ORDER BY terms over the alias, in order. */
  order: Array<{ expression: string; direction: 'ASC' | 'DESC' }>;
  /** The ORDER BY clause's content: `order` as SQL. */
  orderBy: string;
  /** How many rows to fetch: one more than the page, to know whether another page follows. */
  fetch: number;
  /**
   * The page of the rows fetched. After a cursor, an empty page checks that the cursor names a
   * row of the tenant (a 422 when it does not: a cursor of another tenant, or a made-up one),
   * which costs a page with rows nothing.
   */
  page<T>(rows: T[], db: Queryable): Promise<Page<T>>;
}

/** Plans the page `request` of a query over `alias` whose rows are the tenant's. A malformed cursor is a 422 here. */
export function keyset(spec: Keyset, alias: string, tenantId: string, request: PageRequest): KeysetPlan {
  const fetch = request.limit + 1;
  if (spec.cursor === 'seq') {
    const column = `${alias}.${spec.column}`;
    const after = !request.cursor ? null : { sql: `${column} > :keysetSeq`, params: { keysetSeq: decodeSeqCursor(request.cursor) } };
    return {
      after,
      order: [{ expression: column, direction: 'ASC' }],
      orderBy: `${column} ASC`,
      fetch,
      // A seq past the end is simply the end of the trail: nothing to check.
      page: async (rows) => pageOf(rows, request.limit, (row) => encodeSeqCursor(Number((row as { seq: unknown }).seq))),
    };
  }
  const key = spec.key ?? ((a: string) => `${a}.created_at`);
  const direction = spec.descending ? 'DESC' : 'ASC';
  const cursorId = request.cursor ? decodeCursor(request.cursor) : undefined;
  const after =
    cursorId === undefined
      ? null
      : {
          sql: `(${key(alias)}, ${alias}.id) ${spec.descending ? '<' : '>'} (SELECT ${key('c')}, c.id FROM ${spec.table} c WHERE c.id = :keysetCursor AND c.tenant_id = :keysetTenant)`,
          params: { keysetCursor: cursorId, keysetTenant: tenantId },
        };
  const order = [
    { expression: key(alias), direction },
    { expression: `${alias}.id`, direction },
  ] as const;
  return {
    after,
    order: [...order],
    orderBy: order.map((term) => `${term.expression} ${term.direction}`).join(', '),
    fetch,
    page: async (rows, db) => {
      if (rows.length === 0 && cursorId !== undefined) {
        const found = await db.query(`SELECT 1 FROM ${spec.table} WHERE tenant_id = $1 AND id = $2`, [tenantId, cursorId]);
        if (found.length === 0) throw notACursor();
      }
      return pageOf(rows, request.limit, (row) => encodeCursor((row as { id: string }).id));
    },
  };
}

function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? cursorOf(data[data.length - 1]) : null };
}

/** The paginator on a TypeORM query builder whose alias's rows are the tenant's `table`, ordered by (created_at, id). */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  table: string,
  tenantId: string,
  page: PageRequest,
): Promise<Page<T>> {
  const plan = keyset({ cursor: 'rows', table }, query.alias, tenantId, page);
  if (plan.after) query.andWhere(plan.after.sql, plan.after.params);
  plan.order.forEach(({ expression, direction }, index) => (index === 0 ? query.orderBy(expression, direction) : query.addOrderBy(expression, direction)));
  const rows = await query.limit(plan.fetch).getMany();
  return plan.page(rows, query.connection);
}
