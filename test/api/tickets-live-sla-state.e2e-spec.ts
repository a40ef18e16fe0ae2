import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, expectProblem, RunningApp, startApi, TestTenant } from '@helpdesk/testing';

/** No worker runs here: the state must come from the stored instants, read at query time. */
describe('sla_state is current without the worker', () => {
  let api: RunningApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    await request(api.url)
      .put('/api/v1/admin/sla-policies/critical')
      .set(...bearer(tenant.adminToken))
      .send({
        first_response_minutes: 0.02,
        resolution_minutes: 0.1,
        near_breach_ratio: 0.5,
        escalation_chain: ['hq_support', 'regional_manager', 'ceo_oncall'],
      })
      .expect(200);
  });
  afterAll(() => api.close());

  const ids = async (state: string) =>
    (
      await request(api.url)
        .get(`/api/v1/tickets?sla_state=${state}&limit=200`)
        .set(...bearer(tenant.adminToken))
        .expect(200)
    ).body.data.map((t: { id: string }) => t.id);

  it('moves on_track → near_breach → breached in lists and reads as its instants pass, and paused while awaiting', async () => {
    const create = (title: string) =>
      request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(tenant.adminToken))
        .send({ title, type: 'incident', priority: 'critical' })
        .expect(201);
    const ticket = (await create('Unanswered')).body;
    const paused = (await create('Waiting on the customer')).body;
    await request(api.url)
      .patch(`/api/v1/tickets/${paused.id}`)
      .set(...bearer(tenant.adminToken))
      .set('if-match', '"1"')
      .send({ status: 'awaiting_customer' })
      .expect(200);

    expect(await ids('on_track')).toContain(ticket.id);
    expect(await ids('paused')).toEqual([paused.id]);

    // Time passes for the stored instants instead of the test waiting for them: the warning instant
    // behind us, the due instant ahead; then both behind us. Nothing else (no worker) touches the rows.
    const moveInstants = (id: string, warnSecondsAgo: number, dueSecondsAgo: number) =>
      dataSourceOf(api).query(
        `UPDATE tickets SET first_response_warn_at = now() - make_interval(secs => $2), first_response_due_at = now() - make_interval(secs => $3) WHERE id = $1`,
        [id, warnSecondsAgo, dueSecondsAgo],
      );
    await moveInstants(ticket.id, 60, -3600);
    expect(await ids('near_breach')).toEqual([ticket.id]);
    expect(await ids('on_track')).not.toContain(ticket.id);

    await moveInstants(ticket.id, 120, 60);
    expect(await ids('breached')).toEqual([ticket.id]);
    expect(await ids('near_breach')).toEqual([]);
    const read = await request(api.url)
      .get(`/api/v1/tickets/${ticket.id}`)
      .set(...bearer(tenant.adminToken))
      .expect(200);
    expect(read.body.sla_state).toBe('breached');
    // A paused clock stands still: due instants that pass during the pause do not breach it.
    await dataSourceOf(api).query(`UPDATE tickets SET sla_paused_at = now() - interval '2 hours' WHERE id = $1`, [paused.id]);
    await moveInstants(paused.id, 120, 60);
    expect(await ids('paused')).toEqual([paused.id]);
  });

  it('shows a ticket’s SLA only to callers who may read the ticket (404 otherwise, 401 without a credential)', async () => {
    const ticket = (
      await request(api.url)
        .post('/api/v1/tickets')
        .set(...bearer(tenant.adminToken))
        .send({ title: 'Private', type: 'task', priority: 'critical' })
        .expect(201)
    ).body;
    const other = await createTenant(api);
    const requester = await createUser(api, tenant, 'requester');
    const sla = (token: string, id = ticket.id) =>
      request(api.url)
        .get(`/api/v1/tickets/${id}/sla`)
        .set(...bearer(token));
    expect((await sla(tenant.adminToken).expect(200)).body).toMatchObject({ ticket_id: ticket.id, policy: { priority: 'critical' } });
    expectProblem(await sla(other.adminToken), 404, 'not_found');
    expectProblem(await sla(requester.token), 404, 'not_found');
    expectProblem(await sla(tenant.adminToken, 'not-a-uuid'), 404, 'not_found');
    expectProblem(await request(api.url).get(`/api/v1/tickets/${ticket.id}/sla`), 401, 'unauthenticated');
  });
});
