import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs api and worker as two child processes of this one, as `npm start` promises: their output
 * is passed through, a signal to this process reaches both, and if either dies the other is
 * stopped too, so that nothing is left half running.
 */
export function startProcesses(print: (line: string) => void): Promise<number> {
  const root = join(__dirname, '..', '..');
  const children = new Map<string, ChildProcess>([
    ['api', spawn(process.execPath, [join(root, 'api', 'src', 'main.js')], { stdio: 'inherit' })],
    ['worker', spawn(process.execPath, [join(root, 'worker', 'src', 'main.js')], { stdio: 'inherit' })],
  ]);
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));

  return new Promise((resolve) => {
    let remaining = children.size;
    let worst = 0;
    for (const [name, child] of children) {
      child.on('exit', (code, signal) => {
        if (!stopping) print(`${name} exited (${signal ?? `code ${code}`}); stopping the others`);
        worst = Math.max(worst, code ?? (stopping ? 0 : 1));
        stopAll('SIGTERM');
        if (--remaining === 0) resolve(worst);
      });
    }
  });
}
