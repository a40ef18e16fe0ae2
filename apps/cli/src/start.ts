import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs api and worker as two child processes of this one, as `npm start` promises: their output
 * is passed through, a signal to this process reaches each of them once, and if either dies the
 * other is stopped too, so that nothing is left half running.
 *
 * The children run in process groups of their own: a signal sent to this process's group (Ctrl-C
 * in a terminal, a service manager stopping `npm start`) reaches them only through this process,
 * once. A second SIGTERM during a graceful shutdown would kill a Nest app outright.
 */
export function startProcesses(print: (line: string) => void): Promise<number> {
  const root = join(__dirname, '..', '..');
  const start = (app: string) => spawn(process.execPath, [join(root, app, 'src', 'main.js')], { stdio: 'inherit' });
  const children = new Map<string, ChildProcess>([
    ['api', start('api')],
    ['worker', start('worker')],
  ]);
  const running = () => [...children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const child of running()) child.kill(signal);
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  // Should this process end some other way, its children do not outlive it.
  process.on('exit', () => running().forEach((child) => child.kill('SIGKILL')));

  return new Promise((resolve) => {
    let remaining = children.size;
    let worst = 0;
    for (const [name, child] of children) {
      child.on('exit', (code, signal) => {
        if (stopping) print(`${name} stopped (${signal ?? `code ${code}`})`);
        else print(`${name} exited (${signal ?? `code ${code}`}); stopping the others`);
        worst = Math.max(worst, code ?? 1);
        stopAll('SIGTERM');
        if (--remaining === 0) resolve(worst);
      });
    }
  });
}
