import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource, encodeCursor, keyset, Page, SqlParams, TeamsRepository, TenantsRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { testDatabaseUrl, uniqueSlug } from '@helpdesk/testing';

/**
 * The one keyset paginator on real PostgreSQL: rows sharing a created_at (to the microsecond) are
 * ordered by id and none is skipped or repeated across pages, both ways; a cursor that names no row
 * of the tenant is the 422 every list answers for a cursor it did not hand out.
 */

const EVERYONE = { sql: 'true', params: {} };
const SAME_INSTANT = new Date('2026-01-05T10:00:00.123Z');

let dataSource: DataSource;
let teams: TeamsRepository;
let tenantId: string;
let otherTenantTeam: string;
/** The tenant's teams in (created_at, id) order: five share one instant, two come later. */
let expected: string[];

async function insertTeam(tenant: string, name: string, createdAt: Date): Promise<{ id: string; created_at: Date }> {
  const [row] = await dataSource.query('INSERT INTO teams (tenant_id, name, created_at) VALUES ($1, $2, $3) RETURNING id, created_at', [
    tenant,
    name,
    createdAt,
  ]);
  return row;
}

async function allPages<T extends { id: string }>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    expect(page.data.length).toBeLessThanOrEqual(2);
    ids.push(...page.data.map((row) => row.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return ids;
}

/** Teams through the paginator on hand-written SQL, newest first: the shape the ticket lists use. */
async function teamsNewestFirst(cursor: string | undefined): Promise<Page<{ id: string }>> {
  const page = keyset({ cursor: 'rows', table: 'teams', descending: true }, 't', tenantId, { limit: 2, cursor });
  const params = new SqlParams();
  const where = [`t.tenant_id = ${params.add(tenantId)}`];
  if (page.after) where.push(params.named(page.after.sql, page.after.params));
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT t.id FROM teams t WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ${params.add(page.fetch)}`,
    params.values,
  );
  return page.page(rows, dataSource);
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof DomainError ? { code: error.code, fields: error.fieldErrors.map((e) => e.field) } : error;
  }
}

beforeAll(async () => {
  dataSource = createDataSource(testDatabaseUrl(), 2);
  await dataSource.initialize();
  teams = new TeamsRepository(dataSource);
  const tenants = new TenantsRepository(dataSource);
  const slug = uniqueSlug('keyset');
  tenantId = (await tenants.create(dataSource.manager, `Keyset ${slug}`, slug)).id;
  const otherSlug = uniqueSlug('keyset-other');
  const other = (await tenants.create(dataSource.manager, `Keyset ${otherSlug}`, otherSlug)).id;
  otherTenantTeam = (await insertTeam(other, 'Elsewhere', SAME_INSTANT)).id;

  const rows = [];
  for (let i = 0; i < 5; i++) rows.push(await insertTeam(tenantId, `Tied ${i}`, SAME_INSTANT));
  rows.push(await insertTeam(tenantId, 'Later', new Date(SAME_INSTANT.getTime() + 1)));
  rows.push(await insertTeam(tenantId, 'Latest', new Date(SAME_INSTANT.getTime() + 60_000)));
  expected = rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((row) => row.id);
});

afterAll(async () => {
  await dataSource?.destroy();
});

describe('keyset pagination', () => {
  it('pages through rows that share a created_at in id order, each row once (query builder, oldest first)', async () => {
    const ids = await allPages((cursor) => teams.list(tenantId, { limit: 2, cursor }, EVERYONE));
    expect(ids).toEqual(expected);
  });

  it('pages through the same rows newest first (hand-written SQL, descending)', async () => {
    expect(await allPages(teamsNewestFirst)).toEqual([...expected].reverse());
  });

  it('answers an empty last page for the cursor of the last row', async () => {
    const page = await teams.list(tenantId, { limit: 2, cursor: encodeCursor(expected[expected.length - 1]) }, EVERYONE);
    expect(page).toEqual({ data: [], next_cursor: null });
  });

  it.each([
    ['a row of another tenant', () => encodeCursor(otherTenantTeam)],
    ['a row that does not exist', () => encodeCursor(randomUUID())],
  ])('refuses a cursor naming %s with a 422 on field cursor, both ways', async (_, cursor) => {
    const refused = { code: 'validation_failed', fields: ['cursor'] };
    expect(await refusal(teams.list(tenantId, { limit: 2, cursor: cursor() }, EVERYONE))).toEqual(refused);
    expect(await refusal(teamsNewestFirst(cursor()))).toEqual(refused);
  });
});
