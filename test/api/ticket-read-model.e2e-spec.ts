import request from 'supertest';
import { PUBLIC_TICKET_COLUMNS, TICKET_COLUMN_NAMES, TICKET_COLUMNS } from '@helpdesk/domain';
import { createTenant, createUser, dataSourceOf, RunningApp, startApi, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES, createTeam, ticketsApi, TicketsApi } from './tickets-fixtures';

/**
 * The read model over HTTP: whatever route answers with tickets, and whoever asks, an answer holds
 * public columns only; the OpenAPI document describes those answers with the same columns.
 */

const INTERNAL = TICKET_COLUMN_NAMES.filter((name) => !TICKET_COLUMNS[name].public);
const PUBLIC = [...PUBLIC_TICKET_COLUMNS].sort();

function expectNoInternalColumn(ticket: Record<string, unknown>): void {
  expect(INTERNAL.filter((name) => name in ticket)).toEqual([]);
  expect(Object.keys(ticket).filter((key) => !PUBLIC.includes(key as never))).toEqual([]);
}

describe('ticket answers and the read model', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let team: string;
  let agent: TestUser;
  let requester: TestUser;

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    team = await createTeam(api, tenant, 'Read model');
    [agent, requester] = await Promise.all([createUser(api, tenant, 'ops_agent', { team_ids: [team] }), createUser(api, tenant, 'requester')]);
  });
  afterAll(() => api.close());

  it('keeps internal columns out of every ticket answer, and gives a full reader every public column', async () => {
    expect(INTERNAL).toEqual(expect.arrayContaining(['tenant_id', 'next_sla_check_at']));
    const sourceId = `rm-${Date.now()}`;
    const created = await t
      .create(tenant.adminToken, { title: 'Read model', type: 'support', priority: 'high', team_id: team, source_id: sourceId })
      .expect(201);
    const again = await t.create(tenant.adminToken, { title: 'Read model', type: 'support', priority: 'high', team_id: team, source_id: sourceId }).expect(200);
    const id = created.body.id;
    const got = await t.get(agent.token, id).expect(200);
    const listed = await t.list(agent.token, 'limit=100').expect(200);
    const searched = await t.list(agent.token, 'q=model').expect(200);
    const updated = await t.patch(agent.token, id, { title: 'Read model, changed', status: 'in_progress' }, 1).expect(200);
    const assigned = await t.assign(tenant.adminToken, id, { assignee_id: agent.id, reason: 'read model' }).expect(200);

    const answers = { created: created.body, again: again.body, got: got.body, updated: updated.body, assigned: assigned.body };
    for (const [label, ticket] of Object.entries(answers)) {
      expectNoInternalColumn(ticket);
      expect({ label, columns: Object.keys(ticket).sort() }).toEqual({ label, columns: PUBLIC });
    }
    for (const page of [listed.body, searched.body]) {
      expect(Object.keys(page).sort()).toEqual(['data', 'next_cursor']);
      expect(page.data.map((ticket: { id: string }) => ticket.id)).toContain(id);
      page.data.forEach(expectNoInternalColumn);
    }
    const listedAfter = await t.list(agent.token, 'limit=100').expect(200);
    expect(listedAfter.body.data.find((ticket: { id: string }) => ticket.id === id)).toEqual((await t.get(agent.token, id).expect(200)).body);
  });

  it('narrows a requester’s answers to the fields of their role, still without internal columns', async () => {
    const created = await t.create(requester.token, { title: 'Mine', type: 'question', priority: 'low' }).expect(201);
    const got = await t.get(requester.token, created.body.id).expect(200);
    const listed = await t.list(requester.token).expect(200);
    for (const ticket of [created.body, got.body, ...listed.body.data]) {
      expectNoInternalColumn(ticket);
      expect(Object.keys(ticket).length).toBeLessThan(PUBLIC.length);
    }
    expect(got.body).toEqual(created.body);
  });

  it('leaves out internal columns of an idempotent answer stored with them', async () => {
    const key = `rm-key-${Date.now()}`;
    const body = { title: 'Stored answer', type: 'task', priority: 'medium', team_id: team };
    const first = await t.create(tenant.adminToken, body, { 'idempotency-key': key }).expect(201);
    // An answer stored before the read model carried the whole row.
    await dataSourceOf(api).query(
      `UPDATE idempotency_keys SET response_body = response_body || jsonb_build_object('tenant_id', tenant_id::text, 'next_sla_check_at', now()) WHERE key = $1`,
      [key],
    );
    const replay = await t.create(tenant.adminToken, body, { 'idempotency-key': key }).expect(200);
    expectNoInternalColumn(replay.body);
    expect(replay.body).toEqual(first.body);
  });

  it('describes the answers in the OpenAPI document with the Ticket and TicketPage components', async () => {
    const { body: document } = await request(api.url).get('/docs/openapi.json').expect(200);
    const { Ticket, TicketPage } = document.components.schemas;
    expect(Object.keys(Ticket.properties).sort()).toEqual(PUBLIC);
    expect(Ticket.required ?? []).toEqual([]);
    expect(Ticket.properties.assignee_id).toMatchObject({ type: 'string', format: 'uuid', nullable: true });
    expect(Ticket.properties.title).toEqual({ type: 'string', description: TICKET_COLUMNS.title.description });
    expect(Ticket.properties.status.enum).toEqual([...TICKET_COLUMNS.status.enum]);
    expect(Ticket.properties.tags).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(Ticket.properties.created_at).toMatchObject({ type: 'string', format: 'date-time' });
    expect(TicketPage.properties.data).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Ticket' } });
    expect(TicketPage.properties.next_cursor).toMatchObject({ type: 'string', nullable: true });

    const schemaOf = (path: string, method: string, status: string) => document.paths[path][method].responses[status].content['application/json'].schema;
    expect(schemaOf('/api/v1/tickets', 'get', '200')).toEqual({ $ref: '#/components/schemas/TicketPage' });
    for (const [path, method, status] of [
      ['/api/v1/tickets', 'post', '201'],
      ['/api/v1/tickets', 'post', '200'],
      ['/api/v1/tickets/{id}', 'get', '200'],
      ['/api/v1/tickets/{id}', 'patch', '200'],
      ['/api/v1/tickets/{id}/assign', 'post', '200'],
    ]) {
      expect({ path, method, status, schema: schemaOf(path, method, status) }).toEqual({
        path,
        method,
        status,
        schema: { $ref: '#/components/schemas/Ticket' },
      });
    }
  });
});
