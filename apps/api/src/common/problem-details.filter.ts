import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { DomainError } from '@helpdesk/domain';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, problemFromDomainError, problemFromStatus } from './problem-details';

/**
 * The one place errors become HTTP answers: domain errors by their code, framework errors by
 * their status, anything else as a 500 that reveals nothing (the log has the details).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendProblem(reply, request, toProblem(exception, this.logger));
  }
}

/**
 * SQLSTATEs by which PostgreSQL refuses a value the request carried: a character it cannot store
 * (22P05 untranslatable_character, 22021 character_not_in_repertoire), text that is not a value of
 * the column's type (22P02 invalid_text_representation: a jsonb with an unpaired surrogate, a
 * bigint written 1e+300), a date or number out of range (22008, 22003), a value too deeply nested
 * to process (54001 statement_too_complex). Validation refuses all of these first; should one slip
 * past it, the answer is still a 422, not a 500 (the transaction it broke has been rolled back).
 */
export const INPUT_SQLSTATES: ReadonlySet<string> = new Set(['22P05', '22021', '22P02', '22008', '22003', '54001']);

function sqlStateOf(exception: unknown): string | undefined {
  if (!(exception instanceof QueryFailedError)) return undefined;
  const code = (exception.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function toProblem(exception: unknown, logger: Pick<Logger, 'error' | 'warn'>): ProblemDetails {
  if (exception instanceof DomainError) return problemFromDomainError(exception);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : exception.message;
    return problemFromStatus(status, Array.isArray(message) ? message.join('; ') : String(message));
  }
  const status = (exception as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
    return problemFromStatus(status, (exception as Error).message);
  }
  const sqlState = sqlStateOf(exception);
  if (sqlState && INPUT_SQLSTATES.has(sqlState)) {
    // Logged: a value validation should have refused reached the database.
    logger.warn(`input refused by PostgreSQL (SQLSTATE ${sqlState}), not by validation: ${(exception as Error).message}`);
    return problemFromDomainError(
      DomainError.validation([], 'The request holds a value the database cannot store: a character, a number or a date out of its range.'),
    );
  }
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return problemFromStatus(500, 'An unexpected error occurred. It has been logged with the request id.');
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemDetails): void {
  problem.instance = request.url;
  problem.request_id = String(request.id);
  void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}
