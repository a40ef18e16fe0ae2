import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The tests run the program that `npm run build` emits (`npm test` builds first): api and worker
 * are child processes started from `dist/` the way `npm start` starts them, and tests talk to them
 * over HTTP. Nothing here loads the apps into the test process.
 */

export const ROOT = join(__dirname, '..', '..', '..');

/**
 * Where `npm run build` puts an app's entry point, from the app's declaration in nest-cli.json:
 * the tests know apps by name only, never by their source path (libraries do not import apps).
 */
function builtEntryPoint(app: string): string {
  const { projects } = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
    projects: Record<string, { type: string; sourceRoot: string; entryFile: string }>;
  };
  const project = projects[app];
  if (project?.type !== 'application') throw new Error(`nest-cli.json declares no application "${app}"`);
  return join(ROOT, 'dist', project.sourceRoot, `${project.entryFile}.js`);
}

export const BUILT = { api: builtEntryPoint('api'), worker: builtEntryPoint('worker'), cli: builtEntryPoint('cli') } as const;

export function assertBuilt(): void {
  for (const file of Object.values(BUILT)) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run -s build\` before these tests (npm test does)`);
  }
}

/**
 * A working directory holding no `.env`, so that a child process sees exactly the environment it is
 * given (loadConfig reads `.env` from the working directory).
 */
export function emptyWorkingDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'helpdesk-e2e-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The child's environment: exactly the given variables plus PATH (and HOME), nothing inherited. */
export function childEnvironment(variables: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
  for (const [name, value] of Object.entries(variables)) if (value !== undefined) env[name] = value;
  return env;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a built script with node to its end; a run that outlasts `timeoutMs` is killed and fails the test. */
export function runNode(script: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }): Promise<Finished> {
  const child = spawn(process.execPath, [script, ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return finished(child, options.timeoutMs ?? 30_000, `node ${[script, ...args].join(' ')}`);
}

/** Collects a child's output until it exits; fails (after killing it) when it outlasts `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs: number, what: string): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A TCP port that was free a moment ago (a server on port 0, closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The status of a GET, its body read and dropped (so that the connection is released). */
export function statusOf(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A built api or worker running as a child process. */
export interface SpawnedProcess {
  name: string;
  child: ChildProcess;
  /** Base URL of its HTTP server (the api, or the worker's health server). */
  url: string;
  exit: Promise<Finished>;
  alive(): boolean;
  /** The last 20,000 characters it wrote to stdout and stderr. */
  output(): string;
  /** SIGTERM, then waits (bounded) for the exit; SIGKILL if it outlasts `timeoutMs` (then null). */
  stop(timeoutMs?: number): Promise<Finished | null>;
}

const PORT_VARIABLE = { api: 'API_PORT', worker: 'WORKER_HEALTH_PORT' } as const;
const HOST_VARIABLE = { api: 'API_HOST', worker: 'WORKER_HEALTH_HOST' } as const;

/**
 * Starts `node dist/apps/<app>/src/main.js` with exactly `env` (plus a free loopback port) in `cwd`;
 * resolves once its /health/ready answers 200. A process that exits first, or is not ready within
 * `readyTimeoutMs`, fails with its output. No child outlives `lifetimeMs` (it is killed).
 */
export async function spawnBuilt(
  app: 'api' | 'worker',
  name: string,
  env: Record<string, string>,
  cwd: string,
  { readyTimeoutMs = 30_000, lifetimeMs = 600_000 } = {},
): Promise<SpawnedProcess> {
  assertBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BUILT[app]], {
    env: childEnvironment({ ...env, [PORT_VARIABLE[app]]: String(port), [HOST_VARIABLE[app]]: '127.0.0.1' }),
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-20_000)));
  const exit = finished(child, lifetimeMs, `${app} ${name}`);
  exit.catch(() => undefined);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const spawned: SpawnedProcess = {
    name,
    child,
    url,
    exit,
    alive,
    output: () => log,
    stop: async (timeoutMs = 15_000) => {
      if (!alive()) return exit.catch(() => null);
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      const result = await Promise.race([exit.catch(() => null), timeout]);
      clearTimeout(timer);
      if (result === null && alive()) child.kill('SIGKILL');
      return result;
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer';
  for (;;) {
    if (!alive()) throw new Error(`${app} ${name} exited (${child.exitCode ?? child.signalCode}) before it was ready; output: ${log}`);
    const status = await statusOf(`${url}/health/ready`).catch((error: Error) => error);
    if (status === 200) return spawned;
    last = status instanceof Error ? status.message : `status ${status}`;
    if (Date.now() >= deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} ${name} did not answer ${url}/health/ready with 200 within ${readyTimeoutMs} ms (last: ${last}); output: ${log}`);
    }
    await sleep(100);
  }
}

/** The lines of a process's output, without the empty one after the last newline. */
export function lines(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}
