/**
 * Field-level rules hold on every route and filter, and the smaller defects a hostile tester
 * found: routing fields on create, tickets a key could not see, search over hidden text, foreign
 * cursors, null bodies, framework errors (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, expectProblem, RunningApp, startApi, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES, createTeam, newTicket } from './tickets-fixtures';

describe('field-level access on every route and filter', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let other: TestTenant;
  let requester: TestUser;
  let agent: TestUser;
  let escalatedId: string;
  let plainId: string;

  const db = () => dataSourceOf(api);
  const list = (token: string, query: string) =>
    request(api.url)
      .get(`/api/v1/tickets?${query}`)
      .set(...bearer(token));
  const ids = async (token: string, query: string) => {
    const response = await list(token, query).expect(200);
    return response.body.data.map((ticket: { id: string }) => ticket.id) as string[];
  };
  const counts = async () =>
    (
      await db().query(
        `SELECT (SELECT count(*) FROM tickets WHERE tenant_id = $1)::int AS tickets, (SELECT count(*) FROM ticket_audit WHERE tenant_id = $1)::int AS audit,
                (SELECT count(*) FROM outbox_events WHERE tenant_id = $1)::int AS events`,
        [tenant.id],
      )
    )[0];

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    tenant = await createTenant(api);
    other = await createTenant(api);
    requester = await createUser(api, tenant, 'requester');
    agent = await createUser(api, tenant, 'hq_support');
    escalatedId = (await newTicket(api, tenant.adminToken, { requester_id: requester.id, priority: 'high', title: 'Escalated one' })).id;
    plainId = (await newTicket(api, tenant.adminToken, { requester_id: requester.id, priority: 'low', title: 'Plain one' })).id;
    await request(api.url)
      .post(`/api/v1/tickets/${escalatedId}/escalate`)
      .set(...bearer(tenant.adminToken))
      .send({ reason: 'Angry customer' })
      .expect(200);
    // The clock of the escalated ticket runs out: breached by its stored instants.
    await db().query(
      `UPDATE tickets SET first_response_warn_at = now() - interval '2 hours', first_response_due_at = now() - interval '1 hour' WHERE id = $1`,
      [escalatedId],
    );
  });
  afterAll(() => api.close());

  describe('a requester learns nothing from fields its ticket view hides', () => {
    it('sees its own tickets, without the SLA fields, on a read and in the list', async () => {
      const read = await request(api.url)
        .get(`/api/v1/tickets/${escalatedId}`)
        .set(...bearer(requester.token))
        .expect(200);
      for (const hidden of ['sla_state', 'owner_role', 'escalation_level', 'first_response_due_at']) expect(read.body).not.toHaveProperty(hidden);
      expect((await ids(requester.token, 'limit=50')).sort()).toEqual([escalatedId, plainId].sort());
    });

    it('finds nothing by filtering or sorting on a hidden field, whatever the value', async () => {
      for (const query of [
        'sla_state=breached',
        'sla_state=on_track',
        'sla_state=near_breach,on_track,breached,paused,met',
        'escalated=true',
        'escalated=false',
        'owner_role=hq_support',
        'owner_role=ops_agent',
        'sort=resolution_due_at',
        'due_before=2999-01-01T00:00:00Z',
      ]) {
        expect({ query, ids: await ids(requester.token, query) }).toEqual({ query, ids: [] });
      }
      // Staff see the difference the requester must not.
      expect(await ids(agent.token, 'escalated=true')).toContain(escalatedId);
      expect(await ids(agent.token, 'sla_state=breached')).toEqual([escalatedId]);
      // Filters on visible fields still work for the requester.
      expect(await ids(requester.token, 'priority=low')).toEqual([plainId]);
      expect(await ids(requester.token, 'q=escalated')).toEqual([escalatedId]);
    });

    it('is refused the SLA view and the escalation list (403), while staff get them', async () => {
      expectProblem(
        await request(api.url)
          .get(`/api/v1/tickets/${escalatedId}/sla`)
          .set(...bearer(requester.token)),
        403,
        'forbidden',
      );
      expectProblem(
        await request(api.url)
          .get('/api/v1/escalations')
          .set(...bearer(requester.token)),
        403,
        'forbidden',
      );
      const sla = await request(api.url)
        .get(`/api/v1/tickets/${escalatedId}/sla`)
        .set(...bearer(agent.token))
        .expect(200);
      expect(sla.body).toMatchObject({ ticket_id: escalatedId, escalation_level: 1 });
      const escalations = await request(api.url)
        .get('/api/v1/escalations')
        .set(...bearer(agent.token))
        .expect(200);
      expect(escalations.body.data.map((e: { ticket_id: string }) => e.ticket_id)).toContain(escalatedId);
    });
  });

  describe('create', () => {
    it('refuses a requester the fields that route a ticket (403, nothing stored)', async () => {
      const before = await counts();
      for (const routing of [{ franchise_id: 'fr-9' }, { region: 'west' }, { linked_type: 'payment', linked_id: 'p-1' }, { is_sensitive: true }]) {
        const response = await request(api.url)
          .post('/api/v1/tickets')
          .set(...bearer(requester.token))
          .send({ title: 'Route me', type: 'support', priority: 'low', ...routing });
        expectProblem(response, 403, 'forbidden');
        expect(response.body.fields).toEqual(Object.keys(routing));
      }
      expect(await counts()).toEqual(before);
      // Staff who assign may route.
      const routed = await request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(agent.token))
        .send({ title: 'Routed', type: 'support', priority: 'low', region: 'west', linked_type: 'payment', linked_id: 'p-1' });
      expect(routed.status).toBe(201);
      expect(routed.body).toMatchObject({ region: 'west', linked_type: 'payment' });
    });

    it('keeps a source id from telling a caller about a ticket it cannot read: 409, not 404 and not the ticket', async () => {
      const sourceId = `crm-${randomBytes(4).toString('hex')}`;
      const body = { title: 'From the CRM', type: 'support', priority: 'low', source: 'crm', source_id: sourceId };
      const first = await request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(tenant.adminToken))
        .send({ ...body, team_id: await createTeam(api, tenant, 'CRM') });
      expect(first.status).toBe(201);
      // A requester may not name source ids at all; an agent who cannot read the ticket learns only that the id is taken.
      expectProblem(
        await request(api.url)
          .post('/api/v1/tickets')
          .set(...bearer(requester.token))
          .send(body),
        403,
        'forbidden',
      );
      const outsider = await createUser(api, tenant, 'ops_agent', { team_ids: [await createTeam(api, tenant, 'Elsewhere')] });
      const before = await counts();
      const conflict = await request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(outsider.token))
        .send(body);
      expectProblem(conflict, 409, 'conflict');
      expect(JSON.stringify(conflict.body)).not.toContain(first.body.id);
      expect(await counts()).toEqual(before);
      // Who can read it gets the ticket back, as before.
      const repeat = await request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(tenant.adminToken))
        .send(body);
      expect({ status: repeat.status, id: repeat.body.id }).toEqual({ status: 200, id: first.body.id });
    });

    it('asks a key that could not see a ticket without a requester for one (422), instead of answering 201 {}', async () => {
      const key = (
        await request(api.url)
          .post('/api/v1/admin/api-keys')
          .set(...bearer(tenant.adminToken))
          .send({ name: `portal ${randomBytes(2).toString('hex')}`, role: 'requester', scopes: ['tickets:read', 'tickets:write'] })
          .expect(201)
      ).body.key as string;
      const before = await counts();
      const response = await request(api.url)
        .post('/api/v1/tickets')
        .set('x-api-key', key)
        .send({ title: 'From the portal', type: 'support', priority: 'low' });
      expectProblem(response, 422, 'validation_failed');
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'requester_id' })]);
      expect(response.headers.location).toBeUndefined();
      expect(await counts()).toEqual(before);
    });
  });

  it('matches a sensitive ticket by its title only: its hidden description is not searchable', async () => {
    const word = `zq${randomBytes(3).toString('hex')}`;
    const sensitive = await newTicket(api, tenant.adminToken, { title: 'Payroll question', description: `Salary of ${word} is attached`, is_sensitive: true });
    const normal = await newTicket(api, tenant.adminToken, { title: 'Open question', description: `Ask ${word} about it` });
    expect(await ids(agent.token, `q=${word}`)).toEqual([normal.id]);
    expect(await ids(agent.token, 'q=payroll')).toEqual([sensitive.id]);
  });

  it('answers 422 for a cursor naming another tenant’s ticket', async () => {
    const foreign = await newTicket(api, other.adminToken);
    const cursor = Buffer.from(JSON.stringify({ id: foreign.id })).toString('base64url');
    const response = await list(tenant.adminToken, `cursor=${cursor}`);
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
  });

  it('refuses a JSON body that is not an object (422), and changes nothing', async () => {
    const before = await counts();
    for (const body of ['null', '[]', '"title"', '42', 'true']) {
      const response = await request(api.url)
        .patch(`/api/v1/tickets/${plainId}`)
        .set(...bearer(tenant.adminToken))
        .set('if-match', '"1"')
        .set('content-type', 'application/json')
        .send(body);
      expectProblem(response, 422, 'validation_failed');
      expect(response.body.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
      const create = await request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(tenant.adminToken))
        .set('content-type', 'application/json')
        .send(body);
      expectProblem(create, 422, 'validation_failed');
    }
    expect(await counts()).toEqual(before);
  });

  it('answers URLs Fastify refuses before routing (414, bad percent-encoding 400) as problem details', async () => {
    expectProblem(
      await request(api.url)
        .get(`/api/v1/tickets/${'a'.repeat(500)}`)
        .set(...bearer(tenant.adminToken)),
      414,
    );
    expectProblem(
      await request(api.url)
        .get('/api/v1/tickets/%E0%A4%A')
        .set(...bearer(tenant.adminToken)),
      400,
    );
  });
});
