import { QueryFailedError } from 'typeorm';
import { DelayedError, RateLimitError, UnrecoverableError, WaitingChildrenError, WaitingError } from 'bullmq';
import { DomainError, DomainErrorCode } from '@helpdesk/domain';
import { LockLostError } from '../redis-lock';
import { classifyJobFailure, JobFailureKind, toJobFailure, TransientJobError } from './job-failure';
import { JobPayloadError } from './job-payload';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const pgError = (code: string) => new QueryFailedError('SELECT 1', [], withCode(`pg ${code}`, code));

// A Record over every code: a code added to the domain must be placed here to compile.
const DOMAIN_RETRIED: Record<DomainErrorCode, boolean> = {
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

describe('classifyJobFailure / toJobFailure: the one mapping of every processor', () => {
  it.each(Object.entries(DOMAIN_RETRIED) as Array<[DomainErrorCode, boolean]>)('DomainError %s: retried = %p', (code, retried) => {
    const error = new DomainError(code, `a ${code}`);
    expect(classifyJobFailure(error)).toEqual({ kind: 'domain', retry: retried });
    const thrown = toJobFailure(error);
    if (retried) {
      expect(thrown).toBe(error);
    } else {
      expect(thrown).toBeInstanceOf(UnrecoverableError);
      expect(thrown.message).toBe(`${code}: a ${code}`);
      expect(thrown.cause).toBe(error);
    }
  });

  it('a DomainError from the calendar horizon (validation_failed with details) is not retried', () => {
    const error = new DomainError('validation_failed', 'beyond the horizon', { reason: 'beyond_calendar_horizon' });
    expect(toJobFailure(error)).toBeInstanceOf(UnrecoverableError);
  });

  it('an invalid payload is not retried', () => {
    const error = new JobPayloadError('sla', 'check-ticket', ['ticket_id must be a UUID']);
    expect(classifyJobFailure(error)).toEqual({ kind: 'invalid_payload', retry: false });
    const thrown = toJobFailure(error);
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect(thrown.message).toBe('Invalid payload for job sla/check-ticket: ticket_id must be a UUID');
    expect(thrown.cause).toBe(error);
  });

  const infrastructure: Array<[string, unknown]> = [
    ['connection refused (Node system error)', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['socket timeout', withCode('connect ETIMEDOUT', 'ETIMEDOUT')],
    ['broken pipe', withCode('write EPIPE', 'EPIPE')],
    ['host unreachable', withCode('connect EHOSTUNREACH', 'EHOSTUNREACH')],
    ['DNS failure', withCode('getaddrinfo EAI_AGAIN db', 'EAI_AGAIN')],
    ['PostgreSQL serialization failure (40001)', pgError('40001')],
    ['PostgreSQL deadlock (40P01)', pgError('40P01')],
    ['PostgreSQL lock not available (55P03)', pgError('55P03')],
    ['PostgreSQL statement timeout (57014)', pgError('57014')],
    ['PostgreSQL admin shutdown (57P01)', pgError('57P01')],
    ['PostgreSQL cannot connect now (57P03)', pgError('57P03')],
    ['PostgreSQL connection failure (08006)', pgError('08006')],
    ['PostgreSQL too many connections (53300)', pgError('53300')],
    ['the pg driver error itself (code on the error)', withCode('deadlock detected', '40P01')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg pool: no connection in time', new Error('timeout exceeded when trying to connect')],
    ['ioredis: connection closed', new Error('Connection is closed.')],
    ['ioredis: retries per request exhausted', Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' })],
    ['an aborted or timed-out fetch', new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
    ['fetch failed, refused underneath (cause)', new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') })],
    [
      'refused on every address (AggregateError)',
      Object.assign(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')], 'connect failed'), {}),
    ],
    ['a lost Redis lock', new LockLostError('sla-sweep')],
    ['a busy row (TransientJobError)', new TransientJobError('ticket is busy')],
  ];
  it.each(infrastructure)('%s: retried, unchanged', (_, error) => {
    expect(classifyJobFailure(error)).toEqual({ kind: 'infrastructure', retry: true });
    expect(toJobFailure(error)).toBe(error);
  });

  const unexpected: Array<[string, unknown]> = [
    ['a plain Error', new Error('something else')],
    ['a TypeError (a bug)', new TypeError('cannot read properties of undefined')],
    ['a PostgreSQL unique violation (23505), which a race may clear', pgError('23505')],
    ['a PostgreSQL undefined column (42703), e.g. a worker ahead of its migrations', pgError('42703')],
  ];
  it.each(unexpected)('%s: unexpected, retried within its attempts', (_, error) => {
    expect(classifyJobFailure(error)).toEqual({ kind: 'unexpected', retry: true });
    expect(toJobFailure(error)).toBe(error);
  });

  it.each([
    ['a string', 'oops'],
    ['undefined', undefined],
    ['an object', { message: 'not an Error' }],
  ])('a thrown %s becomes an Error and is retried', (_, thrown) => {
    expect(classifyJobFailure(thrown)).toEqual({ kind: 'unexpected', retry: true });
    const failure = toJobFailure(thrown);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(UnrecoverableError);
  });

  const control: Array<[string, Error, JobFailureKind]> = [
    ['UnrecoverableError', new UnrecoverableError('give up'), 'control'],
    ['DelayedError', new DelayedError(), 'control'],
    ['WaitingError', new WaitingError(), 'control'],
    ['WaitingChildrenError', new WaitingChildrenError(), 'control'],
    ['RateLimitError', new RateLimitError(), 'control'],
  ];
  it.each(control)("BullMQ's %s passes through as it is", (_, error, kind) => {
    expect(classifyJobFailure(error).kind).toBe(kind);
    expect(toJobFailure(error)).toBe(error);
  });

  it('an UnrecoverableError thrown on purpose stays final; BullMQ control errors are not "final"', () => {
    expect(classifyJobFailure(new UnrecoverableError('x')).retry).toBe(false);
    expect(classifyJobFailure(new DelayedError()).retry).toBe(true);
  });
});
