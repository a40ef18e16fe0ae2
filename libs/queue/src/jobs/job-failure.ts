import { DelayedError, RateLimitError, UnrecoverableError, WaitingChildrenError, WaitingError } from 'bullmq';
import { DomainError, DomainErrorCode } from '@helpdesk/domain';
import { LockLostError } from '../redis-lock';
import { JobPayloadError } from './job-payload';

/** Thrown by a handler that could not do its work now but should later (e.g. its row is busy): retried with backoff. */
export class TransientJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientJobError';
  }
}

/**
 * Domain errors that say "not now" rather than "never": retried. Every other code is about the
 * job's input or the data it acts on, which a retry does not change. A Record, so that a new code
 * cannot be added to the domain without deciding here.
 */
const DOMAIN_CODE_RETRIED: Record<DomainErrorCode, boolean> = {
  validation_failed: false,
  unauthenticated: false,
  forbidden: false,
  not_found: false,
  conflict: false,
  invalid_transition: false,
  precondition_failed: false,
  precondition_required: false,
  idempotency_mismatch: false,
  rate_limited: true,
  service_unavailable: true,
};

/** Node and driver error codes of a network or a server that is away for now. */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that a retry can clear: serialization failure, deadlock, lock not available,
 * statement or lock timeout (query_canceled), server shutting down or starting, too many connections.
 * Class 08 (connection exception) and 53 (insufficient resources) as a whole.
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03']);
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '53']);

/** Names of timeout and connection errors (fetch, ioredis, BullMQ). */
const TRANSIENT_ERROR_NAMES = new Set(['TimeoutError', 'AbortError', 'MaxRetriesPerRequestError', 'ConnectionClosedError']);

/** Messages of client libraries that carry no code (pg pool, pg client, ioredis). */
const TRANSIENT_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connection is closed/i, /Connection timeout/i];

export type JobFailureKind = 'control' | 'invalid_payload' | 'domain' | 'infrastructure' | 'unexpected';

export interface JobFailureClass {
  kind: JobFailureKind;
  /** Whether BullMQ may try the job again (within its attempts). */
  retry: boolean;
}

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

function isInfrastructure(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  if (error instanceof TransientJobError || error instanceof LockLostError) return true;
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && TRANSIENT_ERROR_NAMES.has(name)) return true;
  const code = codeOf(error);
  const sqlStateClass = code?.length === 5 ? code.slice(0, 2) : undefined;
  if (code && (TRANSIENT_SYSTEM_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.has(sqlStateClass ?? ''))) return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  const nested = [cause, ...(Array.isArray(errors) ? errors : [])];
  return nested.some((inner) => isInfrastructure(inner, depth + 1));
}

/** An Error, also from another realm (a DOMException, a vm context): anything with a name and a message. */
function isErrorLike(error: unknown): error is Error {
  if (error instanceof Error) return true;
  return typeof error === 'object' && error !== null && typeof (error as Error).name === 'string' && typeof (error as Error).message === 'string';
}

const CONTROL_ERRORS = ['UnrecoverableError', 'DelayedError', 'WaitingError', 'WaitingChildrenError', 'RateLimitError'];

/**
 * The one decision every processor shares. Not retried: a domain error (except rate_limited and
 * service_unavailable) and a payload that does not match the contract. Retried: infrastructure
 * (network, PostgreSQL serialization failures, deadlocks, timeouts, a lost lock, a busy row) and,
 * as BullMQ does by default, anything not recognised (bounded by the job's attempts).
 */
export function classifyJobFailure(error: unknown): JobFailureClass {
  // BullMQ recognises its own errors by class or by name (another copy of the library); so do we.
  const control = [UnrecoverableError, DelayedError, WaitingError, WaitingChildrenError, RateLimitError].some((type) => error instanceof type);
  if (isErrorLike(error) && (control || CONTROL_ERRORS.includes(error.name))) {
    return { kind: 'control', retry: !(error instanceof UnrecoverableError || error.name === 'UnrecoverableError') };
  }
  if (error instanceof JobPayloadError) return { kind: 'invalid_payload', retry: false };
  if (error instanceof DomainError) return { kind: 'domain', retry: DOMAIN_CODE_RETRIED[error.code] ?? false };
  if (isInfrastructure(error)) return { kind: 'infrastructure', retry: true };
  return { kind: 'unexpected', retry: true };
}

/**
 * What a processor throws for `error`: BullMQ's UnrecoverableError (same message, the original as
 * cause) when it must not be retried, the error itself otherwise (BullMQ's control errors too).
 */
export function toJobFailure(error: unknown): Error {
  const { kind, retry } = classifyJobFailure(error);
  const asError = isErrorLike(error) ? error : new Error(String(error));
  if (retry || kind === 'control') return asError;
  const failure = new UnrecoverableError(`${kind === 'domain' ? `${(error as DomainError).code}: ` : ''}${asError.message}`);
  failure.cause = error;
  return failure;
}
