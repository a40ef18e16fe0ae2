import { spawn } from 'node:child_process';
import { testDatabaseUrl, testEnvironment } from '@helpdesk/testing';
import { assertBuilt, BUILT, childEnvironment, emptyWorkingDirectory, Finished, runNode } from '@helpdesk/testing';

/**
 * An operator mistake at startup (bad configuration, a dependency not running) is one line on
 * stderr naming the problem, no stack trace, and a failing exit code: for the built api and worker.
 */

interface StartupCase {
  name: string;
  env: () => Record<string, string | undefined>;
  /** Everything the one line must contain. */
  mentions: () => Array<string | RegExp>;
  /** What it must not contain (a password, say). */
  hides?: string[];
}

function missingDatabaseUrl(): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = '/helpdesk_no_such_database_e2e';
  return url.toString();
}

const CASES: StartupCase[] = [
  {
    name: 'a malformed DATABASE_URL',
    env: () => testEnvironment({ DATABASE_URL: 'not-a-url' }),
    mentions: () => ['DATABASE_URL', 'not-a-url'],
  },
  {
    name: 'a DATABASE_URL that is not postgres://',
    env: () => testEnvironment({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/x' }),
    mentions: () => ['DATABASE_URL', 'postgres:'],
  },
  {
    name: 'PostgreSQL not listening at DATABASE_URL',
    env: () => testEnvironment({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }),
    mentions: () => ['Cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/x', /start it/, /pg_ctlcluster|docker compose/],
  },
  {
    name: 'PostgreSQL not listening, with a password in the URL (redacted)',
    env: () => testEnvironment({ DATABASE_URL: 'postgres://postgres:s3cret-pw@127.0.0.1:1/x' }),
    mentions: () => ['Cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/x'],
    hides: ['s3cret-pw'],
  },
  {
    name: 'a database that does not exist',
    env: () => testEnvironment({ DATABASE_URL: missingDatabaseUrl() }),
    mentions: () => ['helpdesk_no_such_database_e2e', /does not exist/],
  },
  {
    name: 'Redis not listening at REDIS_URL',
    env: () => testEnvironment({ REDIS_URL: 'redis://127.0.0.1:1' }),
    mentions: () => ['Cannot reach Redis at redis://127.0.0.1:1', /start it/, /redis-server|docker compose/],
  },
  {
    name: 'a malformed REDIS_URL',
    env: () => testEnvironment({ REDIS_URL: 'localhost:6379' }),
    mentions: () => ['REDIS_URL'],
  },
  {
    name: 'no JWT_SECRET',
    env: () => testEnvironment({ JWT_SECRET: undefined as unknown as string }),
    mentions: () => ['JWT_SECRET', /required/],
  },
  {
    name: 'a JWT_SECRET too short',
    env: () => testEnvironment({ JWT_SECRET: 'short' }),
    mentions: () => ['JWT_SECRET', /at least 32/],
  },
  {
    name: 'API_PORT that is not a number',
    env: () => testEnvironment({ API_PORT: 'abc' }),
    mentions: () => ['API_PORT', 'abc'],
  },
  {
    name: 'WORKER_HEALTH_PORT out of range',
    env: () => testEnvironment({ WORKER_HEALTH_PORT: '70000' }),
    mentions: () => ['WORKER_HEALTH_PORT', '70000'],
  },
  {
    name: 'an unknown LOG_LEVEL',
    env: () => testEnvironment({ LOG_LEVEL: 'loud' }),
    mentions: () => ['LOG_LEVEL', 'loud'],
  },
];

const APPS = [
  ['api', BUILT.api],
  ['worker', BUILT.worker],
] as const;

describe('startup with a bad configuration or a missing dependency', () => {
  const workdir = emptyWorkingDirectory();
  beforeAll(() => assertBuilt());
  afterAll(() => workdir.remove());

  const start = (script: string, env: Record<string, string | undefined>): Promise<Finished> =>
    runNode(script, [], { env: childEnvironment(env), cwd: workdir.path, timeoutMs: 30_000 });

  const table = APPS.flatMap(([app, script]) => CASES.map((c) => [app, c.name, script, c] as const));

  it.each(table)('%s: %s → exit code != 0 and one line on stderr naming the problem', async (_app, _name, script, c) => {
    const result = await start(script, c.env());
    expect(result.signal).toBeNull();
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr.endsWith('\n')).toBe(true);
    const stderrLines = result.stderr.split('\n').slice(0, -1);
    expect(stderrLines).toHaveLength(1);
    const [line] = stderrLines;
    for (const expected of c.mentions()) {
      if (typeof expected === 'string') expect(line).toContain(expected);
      else expect(line).toMatch(expected);
    }
    for (const secret of c.hides ?? []) expect(result.stderr + result.stdout).not.toContain(secret);
    // No stack trace: no "    at fn (file:line)" frames, no error class dump.
    expect(line).not.toMatch(/\bat .+:\d+:\d+/);
    expect(line).not.toMatch(/^\w*Error:/);
    // And nothing that looks like it started.
    expect(result.stdout).not.toMatch(/listening|worker running/);
  });

  it.each(APPS)('%s: the healthy environment is not refused (the failures above are about the variable changed)', async (_app, script) => {
    // Same environment as the cases, unchanged, but with a port that is certainly taken by nothing
    // we care about; the process starts, so it is stopped again right away.
    const child = spawn(process.execPath, [script], {
      env: childEnvironment(testEnvironment({ LOG_LEVEL: 'info' })),
      cwd: workdir.path,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      const poll = setInterval(() => {
        if (/listening|worker running/.test(stdout)) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve(true);
        }
      }, 50);
      child.on('close', () => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(/listening|worker running/.test(stdout));
      });
    });
    child.kill('SIGTERM');
    await exited;
    expect({ started, stderr }).toEqual({ started: true, stderr: '' });
  });
});
