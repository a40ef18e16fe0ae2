import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
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

export function toProblem(exception: unknown, logger: Pick<Logger, 'error'>): ProblemDetails {
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
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return problemFromStatus(500, 'An unexpected error occurred. It has been logged with the request id.');
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemDetails): void {
  problem.instance = request.url;
  problem.request_id = String(request.id);
  void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}
