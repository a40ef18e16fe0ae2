import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Helpers for the tests that run the BUILT apps (`npm run -s build` first; `npm test` does it). */

export const ROOT = join(__dirname, '..', '..');
export const BUILT = {
  api: join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'),
  worker: join(ROOT, 'dist', 'apps', 'worker', 'src', 'main.js'),
  cli: join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'),
} as const;

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

/** The lines of a process's output, without the empty one after the last newline. */
export function lines(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}
