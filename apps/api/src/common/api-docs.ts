import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';

const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

const DESCRIPTIONS: Record<number, string> = {
  401: 'No credential, or an invalid, expired or revoked one',
  403: 'The caller’s role does not allow this',
  404: 'No such resource in the caller’s tenant',
  409: 'Conflicts with the current state',
  422: 'The request is not valid; `errors` lists each field',
  429: 'Rate limit exceeded; see Retry-After and RateLimit-* headers',
};

/** Documents the problem+json answers a route may give. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } } }),
    ),
  );
}

/** A route that takes either credential. */
export function ApiAuthenticated() {
  return applyDecorators(ApiBearerAuth(), ApiSecurity('api-key'), ApiProblems(401, 429));
}
