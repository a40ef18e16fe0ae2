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

export function decodeCursor(cursor: string): string {
  try {
    const { id } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { id?: unknown };
    if (typeof id === 'string' && UUID.test(id)) return id;
  } catch {
    // fall through to the validation error
  }
  throw DomainError.validation([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
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
