import request from 'supertest';
import { RunningApp } from './apps';
import { bearer } from './fixtures';

/** Matches an ISO-8601 UTC timestamp as the api writes it (e.g. 2026-01-02T03:04:05.678Z). */
export const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

/** A lower-case UUID, as a regular expression (for `toMatch`). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Matches a lower-case UUID inside `toEqual`/`toMatchObject`. */
export const UUID = expect.stringMatching(UUID_RE);

/** Asserts an RFC 9457 problem+json answer with this status and, when given, the problem type `urn:helpdesk:problem:<code>`. */
export function expectProblem(response: request.Response, status: number, code?: string): void {
  const at = `${response.request.method} ${response.request.url}`;
  expect({ at, status: response.status, body: response.body }).toMatchObject({
    at,
    status,
    body: { status, ...(code ? { type: `urn:helpdesk:problem:${code}` } : {}) },
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** The distinct `field`s of a validation problem's `errors`, sorted (none when it has no `errors`). */
export const fieldsOf = (response: request.Response): string[] =>
  [...new Set<string>((response.body.errors ?? []).map((e: { field: string }) => e.field))].sort();

/** The JSON paths (e.g. `$.data[0].key_hash`) of every property named in `keys` anywhere in a JSON value. */
export function secretsIn(value: unknown, keys: readonly string[], path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => secretsIn(item, keys, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [...(keys.includes(key) ? [`${path}.${key}`] : []), ...secretsIn(inner, keys, `${path}.${key}`)]);
  }
  return [];
}

/** The HTTP methods the route helpers below send. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `call(method, path, token?, body?)` for the routes under `base`, e.g. '/api/v1/admin/users'; `api` is read at each call, so it may be bound before beforeAll starts the app. */
export function routeCaller(api: () => RunningApp, base: string) {
  return (method: Method, path: string, token?: string, body?: object): request.Test => {
    const req = request(api().url)[method](`${base}${path}`);
    if (token) req.set(...bearer(token));
    return body === undefined ? req : req.send(body);
  };
}
