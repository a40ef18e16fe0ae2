import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { postgresUnavailable, redact, ServiceUnavailableError } from '@helpdesk/config';

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  return name;
}

/** Creates the database named by the URL when it does not exist yet (through the `postgres` database). */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw postgresUnavailable(url, error);
  }
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return { created: false };
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return { created: true };
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Opens a data source, turning "cannot connect" into a one-line error naming the URL. */
export async function connectDataSource(url: string, poolSize?: number): Promise<DataSource> {
  const dataSource = createDataSource(url, poolSize);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw postgresUnavailable(url, error);
  }
}

export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = await connectDataSource(url, 2);
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

export async function revertLastMigration(url: string): Promise<void> {
  const dataSource = await connectDataSource(url, 2);
  try {
    await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** Connects once, failing fast with a one-line error naming the URL (and a missing database as such). */
export async function assertPostgresReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') {
      throw new ServiceUnavailableError(
        `Database "${databaseName(url)}" does not exist at ${redact(url)}: run \`npm run cli -- setup\` (or \`npm start\`) to create and migrate it`,
      );
    }
    throw postgresUnavailable(url, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
