import { applyDecorators, INestApplication, Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSecurity,
  DocumentBuilder,
  getSchemaPath,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem-details';

class FieldErrorDto {
  @ApiProperty({ example: 'title' }) field: string;
  @ApiProperty({ example: 'title must be shorter than or equal to 200 characters' }) message: string;
}

/** RFC 9457 problem details: every error answer of the api. Extension members vary by problem type. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:helpdesk:problem:validation_failed', description: 'A URN naming the problem, or about:blank' }) type: string;
  @ApiProperty({ example: 'Unprocessable Content' }) title: string;
  @ApiProperty({ type: 'integer', example: 422 }) status: number;
  @ApiProperty() detail: string;
  @ApiPropertyOptional({ description: 'The request path' }) instance?: string;
  @ApiPropertyOptional({ description: 'The x-request-id of the answer, for the logs' }) request_id?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'One entry per refused field (422)' }) errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The URL is not valid (percent-encoding), or the body is not valid JSON',
  401: 'No credential, or an invalid, expired or revoked one',
  403: 'The caller’s role does not allow this',
  404: 'No such resource in the caller’s tenant (an id that is not a UUID names none)',
  409: 'Conflicts with the current state',
  412: 'If-Match names a version other than the current one',
  413: 'The body is larger than 1 MiB',
  414: 'A path segment of the URL is too long',
  415: 'The body is not application/json',
  422: 'The request is not valid; `errors` lists each field',
  428: 'If-Match is required',
  429: 'Rate limit exceeded; see Retry-After and RateLimit-* headers',
  503: 'A dependency does not answer',
};

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ResponseObject = OperationObject['responses'][string];

function problemResponse(status: number): ResponseObject {
  return { description: DESCRIPTIONS[status] ?? 'Error', content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } } };
}

/** Documents the problem+json answers a route may give, besides those of the framework (see documentFrameworkAnswers). */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(ApiExtraModels(ProblemDto), ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })));
}

/** A route that takes either credential. */
export function ApiAuthenticated() {
  return applyDecorators(ApiBearerAuth(), ApiSecurity('api-key'), ApiProblems(401, 429));
}

/** A success answer whose body is one `type`, or the schema given. */
export function ApiResult(status: 200 | 201, type: Type<unknown> | Record<string, unknown>, description = status === 201 ? 'Created' : 'OK') {
  if (typeof type === 'function') return applyDecorators(ApiExtraModels(type), ApiResponse({ status, description, schema: { $ref: getSchemaPath(type) } }));
  return ApiResponse({ status, description, schema: type });
}

/** A keyset page of `type`: `{ data, next_cursor }`. */
export function ApiPage(type: Type<unknown>, description = 'One page; next_cursor is null on the last') {
  return applyDecorators(
    ApiExtraModels(type),
    ApiResponse({
      status: 200,
      description,
      schema: {
        type: 'object',
        required: ['data', 'next_cursor'],
        properties: { data: { type: 'array', items: { $ref: getSchemaPath(type) } }, next_cursor: { type: 'string', nullable: true } },
      },
    }),
  );
}

/** Every `type` at once: `{ data }`. */
export function ApiList(type: Type<unknown>, description = 'All of them') {
  return applyDecorators(
    ApiExtraModels(type),
    ApiResponse({
      status: 200,
      description,
      schema: { type: 'object', required: ['data'], properties: { data: { type: 'array', items: { $ref: getSchemaPath(type) } } } },
    }),
  );
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/**
 * Adds to every operation the answers the framework gives before or around its handler, so that
 * no route has to repeat them: 400 for a URL that is not valid or a body that is not JSON, 413 and
 * 415 wherever Fastify reads a body (every POST, PUT, PATCH and DELETE, whether the route takes
 * one or not), 414 for an over-long path parameter, 422 wherever validation runs (a body, nested
 * too deep or not an object; a query; a path parameter other than an id, which answers 404).
 */
export function documentFrameworkAnswers(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation: OperationObject | undefined = item[method];
      if (!operation) continue;
      const parameters = (operation.parameters ?? []).filter((parameter) => 'in' in parameter);
      const statuses = [400];
      if (WITH_BODY.has(method)) statuses.push(413, 415);
      if (parameters.some((parameter) => parameter.in === 'path')) statuses.push(414);
      if (WITH_BODY.has(method) || parameters.some((parameter) => parameter.in === 'query' || (parameter.in === 'path' && !/id$/i.test(parameter.name))))
        statuses.push(422);
      for (const status of statuses) operation.responses[status] ??= problemResponse(status);
    }
  }
  return document;
}

const TAGS: [name: string, description: string][] = [
  ['auth', 'Log in and refresh tokens'],
  ['health', 'Liveness and readiness probes, and Prometheus metrics'],
  ['tickets', 'Raise, list, change, assign and archive tickets; their audit trail'],
  ['messages', 'Public replies and internal notes on a ticket'],
  ['watchers', 'Who follows a ticket, and by which channels'],
  ['SLA and escalation', 'A ticket’s SLA clock, manual escalation and the escalation log'],
  ['admin: users', 'The tenant’s users'],
  ['admin: teams', 'The tenant’s teams'],
  ['admin: roles', 'Roles as sets of CASL rules'],
  ['admin: SLA policies', 'SLA terms per priority, versioned'],
  ['admin: API keys', 'Credentials of other systems'],
];

/** The OpenAPI document served at /docs/openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Helpdesk API')
    .setDescription(
      'Tickets, SLAs and escalations for agents, requesters and systems. Errors are RFC 9457 problem details ' +
        '(application/problem+json); lists paginate by keyset (`limit`, `cursor` → `next_cursor`).',
    )
    .setVersion('1')
    .addServer('/', 'The host serving this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for /metrics only' }, 'metrics-token');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return documentFrameworkAnswers(SwaggerModule.createDocument(app, builder.build()));
}
