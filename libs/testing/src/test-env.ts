import { AppConfig, loadConfig } from '@helpdesk/config';

/** Variables the global setup hands to the test workers. */
export const TEST_ENV = {
  databaseUrl: 'HELPDESK_TEST_DATABASE_URL',
  redisPrefix: 'HELPDESK_TEST_REDIS_PREFIX',
} as const;

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export function testDatabaseUrl(): string {
  const url = process.env[TEST_ENV.databaseUrl];
  if (!url) throw new Error('The e2e global setup did not run (no test database URL)');
  return url;
}

/** The environment a test process or child process runs with: the run's database and Redis prefix. */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: process.env[TEST_ENV.redisPrefix] ?? 'helpdesk-test',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    API_PORT: '0',
    WORKER_HEALTH_PORT: '0',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig(testEnvironment(overrides));
}
