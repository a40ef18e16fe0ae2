/**
 * Domain errors carry a stable code; the api maps codes to HTTP statuses in one exception filter
 * and the worker maps them to "retry" or "give up". Libraries never throw HTTP exceptions.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'precondition_failed'
  | 'precondition_required'
  | 'idempotency_mismatch'
  | 'rate_limited'
  | 'service_unavailable';

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static validation(fieldErrors: FieldError[], message = 'The request is not valid.'): DomainError {
    return new DomainError('validation_failed', message, {}, fieldErrors);
  }

  static notFound(what: string): DomainError {
    return new DomainError('not_found', `${what} was not found.`);
  }
}
