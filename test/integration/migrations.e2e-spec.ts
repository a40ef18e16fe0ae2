import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, revertLastMigration, runMigrations } from '@helpdesk/database';
import { testDatabaseUrl, testEnvironment } from '@helpdesk/testing';
import { MIGRATIONS } from '../../migrations';
import { assertBuilt, BUILT, childEnvironment, emptyWorkingDirectory, lines, runNode } from '@helpdesk/testing';

/** The data model of DESIGN.md: every table the migrations must create (and take away again). */
const TABLES = [
  'tenants',
  'roles',
  'teams',
  'users',
  'refresh_tokens',
  'sla_policies',
  'tickets',
  'ticket_messages',
  'ticket_watchers',
  'ticket_attachments',
  'ticket_audit',
  'ticket_escalations',
  'sla_events',
  'outbox_events',
  'notification_deliveries',
  'export_jobs',
  'api_keys',
  'webhook_subscriptions',
  'idempotency_keys',
].sort();

const MIGRATION_NAMES = MIGRATIONS.map((M) => new M().name ?? M.name);

/** TypeORM's own bookkeeping table, which stays when every migration is reverted. */
const MIGRATIONS_TABLE = 'migrations';

/** A database URL on the run's server, naming a database of its own. */
function freshDatabaseUrl(label: string): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${url.pathname.slice(1)}_${label}_${randomBytes(3).toString('hex')}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function tables(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
    return rows.map((r) => r.table_name as string);
  });
}

interface IndexInfo {
  table: string;
  method: string;
  unique: boolean;
  partial: boolean;
  definition: string;
}

async function indexes(url: string): Promise<Record<string, IndexInfo>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`
      SELECT i.relname AS name, t.relname AS "table", am.amname AS method, x.indisunique AS "unique",
             x.indpred IS NOT NULL AS partial, pg_get_indexdef(x.indexrelid) AS definition
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_am am ON am.oid = i.relam
        JOIN pg_namespace n ON n.oid = i.relnamespace
       WHERE n.nspname = 'public'`);
    return Object.fromEntries(rows.map(({ name, ...info }) => [name as string, info as IndexInfo]));
  });
}

async function functionExists(url: string, name: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rowCount } = await client.query(
      `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname = $1`,
      [name],
    );
    return (rowCount ?? 0) > 0;
  });
}

async function appliedMigrations(url: string): Promise<string[]> {
  return withClient(url, async (client) => (await client.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).rows.map((r) => r.name as string));
}

async function databaseExists(url: string): Promise<boolean> {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  return withClient(admin.toString(), async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0);
}

async function expectFullSchema(url: string): Promise<void> {
  const present = await tables(url);
  expect(present).toEqual(expect.arrayContaining([...TABLES, MIGRATIONS_TABLE]));

  const all = await indexes(url);
  expect(all.tickets_search_idx).toMatchObject({ table: 'tickets', method: 'gin', partial: false });
  expect(all.tickets_search_idx.definition).toMatch(/\(search\)/);
  expect(all.tickets_tags_idx).toMatchObject({ table: 'tickets', method: 'gin' });
  expect(all.tickets_sla_check_idx).toMatchObject({ table: 'tickets', method: 'btree', partial: true });
  expect(all.tickets_sla_check_idx.definition).toMatch(/WHERE .*next_sla_check_at IS NOT NULL/);
  expect(all.users_tenant_email_key).toMatchObject({ table: 'users', method: 'btree', unique: true });
  expect(all.users_tenant_email_key.definition).toMatch(/\(tenant_id, lower\(email\)\)/);
  expect(all.sla_policies_current_key).toMatchObject({ table: 'sla_policies', unique: true, partial: true });
  expect(all.outbox_events_unpublished_idx).toMatchObject({ table: 'outbox_events', partial: true });
  expect(all.idempotency_keys_pkey).toMatchObject({ table: 'idempotency_keys', unique: true });
  expect(await functionExists(url, 'ticket_audit_is_append_only')).toBe(true);
}

describe('migrations on a brand-new database', () => {
  const url = freshDatabaseUrl('migrations');
  const cliUrl = freshDatabaseUrl('cli_migrate');
  const workdir = emptyWorkingDirectory();

  afterAll(async () => {
    await dropDatabase(url);
    await dropDatabase(cliUrl);
    workdir.remove();
  });

  it('creates the database once, and finds it the second time', async () => {
    expect(await ensureDatabase(url)).toEqual({ created: true });
    expect(await ensureDatabase(url)).toEqual({ created: false });
    expect(await tables(url)).toEqual([]);
  });

  it('runs every migration up: every table of the data model and its key indexes exist', async () => {
    const applied = await runMigrations(url);
    expect(applied).toEqual(MIGRATION_NAMES);
    await expectFullSchema(url);
    expect(await appliedMigrations(url)).toEqual(applied);
    // Nothing is pending afterwards.
    expect(await runMigrations(url)).toEqual([]);
  });

  it('reverts migration by migration until no table of the model is left, the trigger function included', async () => {
    let reverted = 0;
    while ((await appliedMigrations(url)).length > 0) {
      await revertLastMigration(url);
      reverted++;
      // Bounded: each revert must take one migration away.
      expect(reverted).toBeLessThanOrEqual(MIGRATIONS.length);
    }
    expect(reverted).toBe(MIGRATIONS.length);
    expect(await tables(url)).toEqual([MIGRATIONS_TABLE]);
    expect(Object.entries(await indexes(url)).filter(([, index]) => index.table !== MIGRATIONS_TABLE)).toEqual([]);
    expect(await functionExists(url, 'ticket_audit_is_append_only')).toBe(false);
  });

  it('runs up again after a full revert, to the same schema', async () => {
    const applied = await runMigrations(url);
    expect(applied).toHaveLength(MIGRATIONS.length);
    await expectFullSchema(url);
  });

  describe('the CLI (npm run migration:run / migration:revert)', () => {
    beforeAll(() => assertBuilt());

    const cli = (command: string) =>
      runNode(BUILT.cli, [command], { env: childEnvironment(testEnvironment({ DATABASE_URL: cliUrl })), cwd: workdir.path, timeoutMs: 60_000 });

    it('migration:run creates the missing database and applies the migrations', async () => {
      expect(await databaseExists(cliUrl)).toBe(false);
      const result = await cli('migration:run');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(lines(result.stdout)).toEqual([`Created database ${cliUrl}`, `Applied migrations: ${MIGRATION_NAMES.join(', ')}`]);
      await expectFullSchema(cliUrl);
    });

    it('migration:run a second time has nothing to do', async () => {
      const result = await cli('migration:run');
      expect(result.code).toBe(0);
      expect(lines(result.stdout)).toEqual(['Database schema is up to date']);
    });

    it('migration:revert reverts the last migration', async () => {
      const result = await cli('migration:revert');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Reverted the last migration/);
      expect(await appliedMigrations(cliUrl)).toHaveLength(MIGRATIONS.length - 1);
      if (MIGRATIONS.length === 1) expect(await tables(cliUrl)).toEqual([MIGRATIONS_TABLE]);
    });
  });
});
