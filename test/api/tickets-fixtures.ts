/**
 * Shared helpers of the ticket API suites (tickets*.e2e-spec.ts, ticket-*.e2e-spec.ts): HTTP
 * shorthands, team and ticket fixtures, and the audit/outbox rows a ticket leaves behind.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, dataSourceOf, expectProblem, RunningApp, TestTenant } from '@helpdesk/testing';

export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Rate limits stay out of the way: these suites send hundreds of requests per user. */
export const API_OVERRIDES = { RATE_LIMIT_DEFAULT: '1000000' };

export function plusMinutes(iso: string, minutes: number): string {
  return new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();
}

/** Thin HTTP client over the ticket routes, bound to one api. */
export function ticketsApi(api: RunningApp) {
  const base = '/api/v1/tickets';
  const http = () => request(api.url);
  return {
    create: (token: string, body: object, headers: Record<string, string> = {}) => {
      const req = http()
        .post(base)
        .set(...bearer(token));
      for (const [name, value] of Object.entries(headers)) req.set(name, value);
      return req.send(body);
    },
    list: (token: string, query = '') =>
      http()
        .get(`${base}${query ? `?${query}` : ''}`)
        .set(...bearer(token)),
    get: (token: string, id: string) =>
      http()
        .get(`${base}/${id}`)
        .set(...bearer(token)),
    patch: (token: string, id: string, body: object, ifMatch?: string | number) => {
      const req = http()
        .patch(`${base}/${id}`)
        .set(...bearer(token));
      if (ifMatch !== undefined) req.set('if-match', typeof ifMatch === 'number' ? `"${ifMatch}"` : ifMatch);
      return req.send(body);
    },
    assign: (token: string, id: string, body: object) =>
      http()
        .post(`${base}/${id}/assign`)
        .set(...bearer(token))
        .send(body),
    archive: (token: string, id: string) =>
      http()
        .delete(`${base}/${id}`)
        .set(...bearer(token)),
    audit: (token: string, id: string, query = '') =>
      http()
        .get(`${base}/${id}/audit${query ? `?${query}` : ''}`)
        .set(...bearer(token)),
    verify: (token: string, id: string) =>
      http()
        .get(`${base}/${id}/audit/verify`)
        .set(...bearer(token)),
    postMessage: (token: string, id: string, body: object) =>
      http()
        .post(`${base}/${id}/messages`)
        .set(...bearer(token))
        .send(body),
    messages: (token: string, id: string, query = '') =>
      http()
        .get(`${base}/${id}/messages${query ? `?${query}` : ''}`)
        .set(...bearer(token)),
    addWatcher: (token: string, id: string, body: object = {}) =>
      http()
        .post(`${base}/${id}/watchers`)
        .set(...bearer(token))
        .send(body),
    watchers: (token: string, id: string) =>
      http()
        .get(`${base}/${id}/watchers`)
        .set(...bearer(token)),
    updateWatcher: (token: string, id: string, userId: string, body: object) =>
      http()
        .patch(`${base}/${id}/watchers/${userId}`)
        .set(...bearer(token))
        .send(body),
    removeWatcher: (token: string, id: string, userId: string) =>
      http()
        .delete(`${base}/${id}/watchers/${userId}`)
        .set(...bearer(token)),
  };
}

export type TicketsApi = ReturnType<typeof ticketsApi>;

export async function createTeam(api: RunningApp, tenant: TestTenant, label = 'Team'): Promise<string> {
  const response = await request(api.url)
    .post('/api/v1/admin/teams')
    .set(...bearer(tenant.adminToken))
    .send({ name: `${label} ${randomBytes(4).toString('hex')}` });
  if (response.status !== 201) throw new Error(`creating a team failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}

/** A ticket created through the API (201 expected); the body merges over a minimal valid one. */
export async function newTicket(api: RunningApp, token: string, body: object = {}): Promise<Record<string, any>> {
  const response = await ticketsApi(api).create(token, { title: `Ticket ${randomBytes(3).toString('hex')}`, type: 'support', priority: 'medium', ...body });
  if (response.status !== 201) throw new Error(`creating a ticket failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function ticketRow(api: RunningApp, id: string): Promise<Record<string, any>> {
  const [row] = await dataSourceOf(api).query('SELECT * FROM tickets WHERE id = $1', [id]);
  return row;
}

export async function currentVersion(api: RunningApp, id: string): Promise<number> {
  return (await ticketRow(api, id)).version;
}

export interface Records {
  audit: string[];
  events: string[];
}

/** The audit actions and outbox event types of a ticket, oldest first. */
export async function recordsOf(api: RunningApp, ticketId: string): Promise<Records> {
  const db = dataSourceOf(api);
  const audit = await db.query('SELECT action FROM ticket_audit WHERE ticket_id = $1 ORDER BY seq', [ticketId]);
  const events = await db.query("SELECT type FROM outbox_events WHERE aggregate_type = 'ticket' AND aggregate_id = $1 ORDER BY seq", [ticketId]);
  return { audit: audit.map((r: { action: string }) => r.action), events: events.map((r: { type: string }) => r.type) };
}

/**
 * Runs `work` and answers the audit actions and outbox event types the ticket gained meanwhile
 * (the suites make one change at a time per ticket, so nothing else writes to it).
 */
export async function recordsWritten<T>(api: RunningApp, ticketId: string, work: () => Promise<T>): Promise<{ result: T; written: Records }> {
  const before = await recordsOf(api, ticketId);
  const result = await work();
  const after = await recordsOf(api, ticketId);
  expect(after.audit.slice(0, before.audit.length)).toEqual(before.audit);
  expect(after.events.slice(0, before.events.length)).toEqual(before.events);
  return { result, written: { audit: after.audit.slice(before.audit.length), events: after.events.slice(before.events.length) } };
}

/** `work` must fail with `status` and leave neither an audit row nor an outbox event. */
export async function expectFailsWithoutRecords(
  api: RunningApp,
  ticketId: string,
  status: number,
  work: () => Promise<request.Response>,
  code?: string,
): Promise<request.Response> {
  const { result, written } = await recordsWritten(api, ticketId, work);
  expectProblem(result, status, code);
  expect(written).toEqual({ audit: [], events: [] });
  return result;
}

export async function outboxPayloads(api: RunningApp, ticketId: string, type: string): Promise<Record<string, any>[]> {
  const rows = await dataSourceOf(api).query(
    "SELECT payload FROM outbox_events WHERE aggregate_type = 'ticket' AND aggregate_id = $1 AND type = $2 ORDER BY seq",
    [ticketId, type],
  );
  return rows.map((r: { payload: Record<string, any> }) => r.payload);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
