const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route label of an answer no route served (404, or a URL Fastify could not read). */
export const UNMATCHED_ROUTE = 'unmatched';

export interface RequestLabels {
  method: string;
  route: string;
  status: string;
}

/**
 * The labels of one answer in the request metrics. The route is the template Fastify matched
 * (`/api/v1/tickets/:id`), never the raw URL, and every answer no route served shares one value,
 * so that the number of series stays bounded whatever URLs clients send.
 */
export function requestLabels(method: string, routeTemplate: string | undefined, statusCode: number): RequestLabels {
  const upper = method.toUpperCase();
  return {
    method: METHODS.has(upper) ? upper : 'OTHER',
    route: routeTemplate ? routeTemplate : UNMATCHED_ROUTE,
    status: String(statusCode),
  };
}
