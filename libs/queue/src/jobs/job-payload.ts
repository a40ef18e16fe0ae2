import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { QueueDefinition } from './queue-definition';

/** A job whose data does not match its contract: retrying cannot fix it, so it is never retried. */
export class JobPayloadError extends Error {
  constructor(
    readonly queue: string,
    readonly job: string,
    readonly problems: string[],
  ) {
    super(`Invalid payload for job ${queue}/${job}: ${problems.join('; ')}`);
    this.name = 'JobPayloadError';
  }
}

function problemsOf(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const field = `${path}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => (message.startsWith(error.property) ? `${path}${message}` : `${field}: ${message}`));
    return [...own, ...problemsOf(error.children ?? [], `${field}.`)];
  });
}

/**
 * The job's data as an instance of its payload class, checked by its decorators. Fields the class
 * does not declare are dropped, not refused (a tolerant reader: a producer may add optional fields
 * before every worker knows them). Throws JobPayloadError for an unknown job or invalid data.
 */
export function parseJobPayload<T extends object>(definition: QueueDefinition, name: string, data: unknown): T {
  const job = Object.hasOwn(definition.jobs, name) ? definition.jobs[name] : undefined;
  if (!job) throw new JobPayloadError(definition.name, name, [`the queue has no job named "${name}"`]);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new JobPayloadError(definition.name, name, ['the payload must be an object']);
  const payload = plainToInstance(job.payload, data) as T;
  const errors = validateSync(payload, { whitelist: true, forbidUnknownValues: false });
  if (errors.length) throw new JobPayloadError(definition.name, name, problemsOf(errors));
  return payload;
}
