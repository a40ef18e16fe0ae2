import { DomainError, DomainErrorCode, FieldError } from '@helpdesk/domain';

/** RFC 9457 problem details, as every error of the api is answered. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  precondition_failed: 412,
  precondition_required: 428,
  idempotency_mismatch: 422,
  rate_limited: 429,
  service_unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemType(code: string): string {
  return `urn:helpdesk:problem:${code}`;
}

export function problemFromDomainError(error: DomainError): ProblemDetails {
  const status = STATUS_BY_CODE[error.code];
  return {
    type: problemType(error.code),
    title: TITLES[status],
    status,
    detail: error.message,
    ...(error.fieldErrors.length ? { errors: error.fieldErrors } : {}),
    ...error.details,
  };
}

export function problemFromStatus(status: number, detail: string, code?: string): ProblemDetails {
  return { type: code ? problemType(code) : 'about:blank', title: TITLES[status] ?? 'Error', status, detail };
}
