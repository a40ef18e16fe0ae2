import { DataSource } from 'typeorm';
import { createDataSource, TicketRow } from '@helpdesk/database';
import { TICKET_COLUMN_NAMES, TICKET_COLUMNS, TicketColumnName, TicketColumnType } from '@helpdesk/domain';
import { testDatabaseUrl } from '@helpdesk/testing';

/**
 * The read model against the migrated `tickets` table: a column added by a migration must be
 * declared (public or internal) before the code can read it, with the type and nullability the
 * table gives it.
 */

/** Columns of the table that no code reads: the generated full-text vector is only searched. */
const NEVER_READ = ['search'];

const DECLARED_TYPE_OF: Record<string, TicketColumnType> = {
  uuid: 'uuid',
  text: 'string',
  int4: 'integer',
  numeric: 'number',
  bool: 'boolean',
  timestamptz: 'date-time',
  _text: 'string[]',
  jsonb: 'object',
};

// The row type of libs/database and the read model name the same columns (checked by tsc).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rowMatchesReadModel: Same<keyof TicketRow, TicketColumnName> = true;

describe('the ticket read model and the tickets table', () => {
  let dataSource: DataSource;
  let columns: Array<{ column_name: string; udt_name: string; is_nullable: 'YES' | 'NO' }>;

  beforeAll(async () => {
    dataSource = await createDataSource(testDatabaseUrl(), 1).initialize();
    columns = await dataSource.query(
      `SELECT column_name, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = 'tickets' ORDER BY ordinal_position`,
    );
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  it('declares every column of the table, and no other', () => {
    expect(rowMatchesReadModel).toBe(true);
    const read = columns.map((column) => column.column_name).filter((name) => !NEVER_READ.includes(name));
    expect([...TICKET_COLUMN_NAMES].sort()).toEqual(read.sort());
  });

  it('declares each column with the type and nullability of the table', () => {
    const declared = columns
      .filter((column) => !NEVER_READ.includes(column.column_name))
      .map((column) => {
        const { type, nullable } = TICKET_COLUMNS[column.column_name as TicketColumnName];
        return { column: column.column_name, type, nullable };
      });
    const actual = columns
      .filter((column) => !NEVER_READ.includes(column.column_name))
      .map((column) => ({ column: column.column_name, type: DECLARED_TYPE_OF[column.udt_name] ?? column.udt_name, nullable: column.is_nullable === 'YES' }));
    expect(declared).toEqual(actual);
  });
});
