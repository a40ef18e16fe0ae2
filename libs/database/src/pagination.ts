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

/**
 * Keyset pagination on (created_at, id). The cursor row's own key is read in a sub-select, so the
 * comparison is exact to the microsecond and rides the (tenant_id, created_at, id) indexes.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  table: string,
  tenantId: string,
  page: PageRequest,
): Promise<Page<T>> {
  const alias = query.alias;
  if (page.cursor) {
    query.andWhere(
      `(${alias}.created_at, ${alias}.id) > (SELECT c.created_at, c.id FROM ${table} c WHERE c.id = :cursorId AND c.tenant_id = :cursorTenant)`,
      { cursorId: decodeCursor(page.cursor), cursorTenant: tenantId },
    );
  }
  const rows = await query.orderBy(`${alias}.created_at`, 'ASC').addOrderBy(`${alias}.id`, 'ASC').limit(page.limit + 1).getMany();
  const data = rows.slice(0, page.limit);
  const next_cursor = rows.length > page.limit ? encodeCursor(data[data.length - 1].id) : null;
  return { data, next_cursor };
}
