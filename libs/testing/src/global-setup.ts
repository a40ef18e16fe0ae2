import './register-aliases';
import { randomBytes } from 'node:crypto';
import { ensureDatabase, runMigrations } from '@helpdesk/database';
import { TEST_ENV } from './test-env';

/** One real database per test run, migrated once; every test file makes its own tenants in it. */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const base = new URL(process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/helpdesk_test_${runId}`;
  process.env[TEST_ENV.databaseUrl] = base.toString();
  process.env[TEST_ENV.redisPrefix] = `helpdesk-test-${runId}`;
  await ensureDatabase(base.toString());
  await runMigrations(base.toString());
}
