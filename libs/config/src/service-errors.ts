import { redact } from './config';

/**
 * A dependency that cannot be reached. Its message is one line: what was tried and how to start
 * it, because this is the first thing a newcomer sees when something is not running.
 */
export class ServiceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

const POSTGRES_HINT =
  'start it (on this machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; with Docker: docker compose -f docker/compose.yaml up -d postgres) or set DATABASE_URL';
const REDIS_HINT = 'start it (redis-server --daemonize yes --port 6379; with Docker: docker compose -f docker/compose.yaml up -d redis) or set REDIS_URL';

export function postgresUnavailable(url: string, cause: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(`Cannot reach PostgreSQL at ${redact(url)} (${reason(cause)}): ${POSTGRES_HINT}`);
}

export function redisUnavailable(url: string, cause: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(`Cannot reach Redis at ${redact(url)} (${reason(cause)}): ${REDIS_HINT}`);
}

function reason(cause: unknown): string {
  const error = cause as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = error?.code ?? error?.errors?.[0]?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ETIMEDOUT') return 'timed out';
  return (error?.message ?? String(cause)).split('\n')[0];
}
