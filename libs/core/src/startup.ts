import { AppConfig, ConfigError, ServiceUnavailableError } from '@helpdesk/config';
import { assertPostgresReachable } from '@helpdesk/database';
import { assertRedisReachable } from '@helpdesk/queue';

/** Both apps check their dependencies before building anything, so a missing one is one clear line. */
export async function assertDependenciesReachable(config: AppConfig): Promise<void> {
  await assertPostgresReachable(config.databaseUrl);
  await assertRedisReachable(config.redisUrl);
}

/**
 * Runs a process's main function. Configuration and unreachable-service errors are expected
 * operator mistakes: one line on stderr and exit code 1, no stack trace.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof ServiceUnavailableError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  });
}

/** The URL a listening server answers on, for log lines: a wildcard address is shown as loopback. */
export function listeningUrl(address: string | { address: string; port: number } | null, host: string): string {
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * Call once the app is up (its shutdown hooks registered). Nest's hook handles the first SIGTERM or
 * SIGINT and then removes its listener; a second one (a signal to the process group plus one
 * forwarded by `npm start` or a supervisor) would then kill the process in the middle of its
 * graceful shutdown. This keeps a listener that lets the shutdown under way finish.
 */
export function letShutdownFinishOnRepeatedSignals(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => undefined);
}
