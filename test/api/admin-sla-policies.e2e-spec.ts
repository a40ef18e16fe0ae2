import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import request from 'supertest';
import {
  adminIdOf,
  bearer,
  createTenant,
  createUser,
  dataSourceOf,
  expectProblem,
  fieldsOf,
  ISO,
  Method,
  routeCaller,
  RunningApp,
  startApi,
  TestTenant,
  TestUser,
  UUID,
} from '@helpdesk/testing';

/** The seeded defaults, written out by hand. */
const DEFAULTS = [
  { priority: 'low', first_response_minutes: 1440, resolution_minutes: 4320, escalation_chain: ['franchise_agent', 'ops_manager', 'regional_manager'] },
  { priority: 'medium', first_response_minutes: 480, resolution_minutes: 2880, escalation_chain: ['ops_agent', 'ops_manager', 'regional_manager'] },
  { priority: 'high', first_response_minutes: 120, resolution_minutes: 1440, escalation_chain: ['ops_manager', 'regional_manager', 'hq_support'] },
  { priority: 'critical', first_response_minutes: 30, resolution_minutes: 240, escalation_chain: ['hq_support', 'regional_manager', 'ceo_oncall'] },
];

const VALID = { first_response_minutes: 60, resolution_minutes: 600, escalation_chain: ['ops_agent', 'ops_manager'] };

describe('admin API: SLA policies', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let opsAgent: TestUser;
  let hqSupport: TestUser;
  let requester: TestUser;

  const call = routeCaller(() => api, '/api/v1/admin/sla-policies');

  beforeAll(async () => {
    api = await startApi();
    tenant = await createTenant(api);
    opsAgent = await createUser(api, tenant, 'ops_agent');
    hqSupport = await createUser(api, tenant, 'hq_support');
    requester = await createUser(api, tenant, 'requester');
  });
  afterAll(() => api.close());

  describe('without a credential or the permission', () => {
    const routes: Array<[Method, string, object | undefined]> = [
      ['get', '', undefined],
      ['get', '/medium', undefined],
      ['put', '/medium', VALID],
    ];

    it('answers 401 problem+json on every route without a credential or with a bad token', async () => {
      for (const [method, path, body] of routes) {
        expectProblem(await call(method, path, undefined, body), 401, 'unauthenticated');
        expectProblem(await call(method, path, 'not-a-jwt', body), 401, 'unauthenticated');
      }
    });

    it('answers 403 to a requester and an ops_agent on every route', async () => {
      for (const user of [requester, opsAgent]) {
        for (const [method, path, body] of routes) expectProblem(await call(method, path, user.token, body), 403, 'forbidden');
      }
    });

    it('lets hq_support read the policies but not change them', async () => {
      await call('get', '', hqSupport.token).expect(200);
      await call('get', '/medium', hqSupport.token).expect(200);
      expectProblem(await call('put', '/medium', hqSupport.token, VALID), 403, 'forbidden');
      expect((await call('get', '/medium', tenant.adminToken).expect(200)).body).toMatchObject({ version: 1, first_response_minutes: 480 });
    });
  });

  describe('GET', () => {
    it('lists the seeded defaults of a new tenant, one current version per priority, low to critical', async () => {
      const fresh = await createTenant(api);
      const response = await request(api.url)
        .get('/api/v1/admin/sla-policies')
        .set(...bearer(fresh.adminToken))
        .expect(200);
      expect(Object.keys(response.body)).toEqual(['data']);
      expect(response.body.data).toEqual(
        DEFAULTS.map((terms) => ({
          id: UUID,
          tenant_id: fresh.id,
          ...terms,
          version: 1,
          is_current: true,
          near_breach_ratio: 0.2,
          next_reply_minutes: null,
          near_breach_minutes: null,
          reescalation_minutes: null,
          business_hours: null,
          pause_statuses: ['awaiting_customer', 'awaiting_third_party'],
          created_by: null,
          created_at: ISO,
        })),
      );
    });

    it('answers with the current policy of one priority', async () => {
      for (const terms of DEFAULTS) {
        const response = await call('get', `/${terms.priority}`, hqSupport.token).expect(200);
        expect(response.body).toMatchObject({ ...terms, tenant_id: tenant.id, is_current: true });
      }
    });

    it('answers 422 (not 404) for a priority that does not exist, naming the path parameter', async () => {
      for (const priority of ['urgent', 'LOW', '1', 'low%20']) {
        const response = await call('get', `/${priority}`, tenant.adminToken);
        expectProblem(response, 422, 'validation_failed');
        expect(response.body.errors).toEqual([{ field: 'priority', message: expect.stringContaining('low, medium, high, critical') }]);
      }
    });

    it('is not paginated: the four policies come whole, whatever the query', async () => {
      const response = await call('get', '?limit=1', tenant.adminToken);
      expect(response.status).toBe(200);
      expect(response.body.data).toHaveLength(4);
    });
  });

  describe('PUT /admin/sla-policies/:priority', () => {
    it('stores new terms as the next version, fractions of a minute included, and keeps the old version', async () => {
      const fresh = await createTenant(api);
      const put = (body: object) =>
        request(api.url)
          .put('/api/v1/admin/sla-policies/high')
          .set(...bearer(fresh.adminToken))
          .send(body);
      const first = await put({
        first_response_minutes: 0.05,
        resolution_minutes: 0.5,
        next_reply_minutes: 0.25,
        near_breach_ratio: 0.3,
        escalation_chain: ['ops_agent', 'hq_support'],
        business_hours: { time_zone: 'Europe/Paris', weekly: { mon: [{ start: '09:00', end: '17:00' }] } },
        pause_statuses: ['awaiting_customer'],
      }).expect(200);
      const adminId = await adminIdOf(api, fresh);
      expect(first.body).toEqual({
        id: UUID,
        tenant_id: fresh.id,
        priority: 'high',
        version: 2,
        is_current: true,
        first_response_minutes: 0.05,
        resolution_minutes: 0.5,
        next_reply_minutes: 0.25,
        near_breach_minutes: null,
        reescalation_minutes: null,
        near_breach_ratio: 0.3,
        escalation_chain: ['ops_agent', 'hq_support'],
        business_hours: { time_zone: 'Europe/Paris', weekly: { mon: [{ start: '09:00', end: '17:00' }] } },
        pause_statuses: ['awaiting_customer'],
        created_by: adminId,
        created_at: ISO,
      });
      const read = await request(api.url)
        .get('/api/v1/admin/sla-policies/high')
        .set(...bearer(fresh.adminToken))
        .expect(200);
      expect(read.body).toEqual(first.body);

      // Left out: the defaults, not the previous version's values.
      const second = await put({ first_response_minutes: 10, resolution_minutes: 10, escalation_chain: ['hq_support'] }).expect(200);
      expect(second.body).toMatchObject({
        version: 3,
        first_response_minutes: 10,
        resolution_minutes: 10,
        near_breach_ratio: 0.2,
        next_reply_minutes: null,
        business_hours: null,
        pause_statuses: ['awaiting_customer', 'awaiting_third_party'],
      });

      const versions = await dataSourceOf(api).query(
        `SELECT version, is_current, first_response_minutes::float AS frm FROM sla_policies WHERE tenant_id = $1 AND priority = 'high' ORDER BY version`,
        [fresh.id],
      );
      expect(versions).toEqual([
        { version: 1, is_current: false, frm: 120 },
        { version: 2, is_current: false, frm: 0.05 },
        { version: 3, is_current: true, frm: 10 },
      ]);
      // The other priorities are untouched.
      const list = (
        await request(api.url)
          .get('/api/v1/admin/sla-policies')
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body.data;
      expect(list.map((p: { priority: string; version: number }) => [p.priority, p.version])).toEqual([
        ['low', 1],
        ['medium', 1],
        ['high', 3],
        ['critical', 1],
      ]);
    });

    it('serialises concurrent edits: every one gets its own version', async () => {
      const fresh = await createTenant(api);
      const responses = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          request(api.url)
            .put('/api/v1/admin/sla-policies/low')
            .set(...bearer(fresh.adminToken))
            .send({ ...VALID, first_response_minutes: n }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(responses.map((r) => r.body.version).sort()).toEqual([2, 3, 4, 5]);
      const current = await dataSourceOf(api).query(`SELECT count(*)::int AS n FROM sla_policies WHERE tenant_id = $1 AND priority = 'low' AND is_current`, [
        fresh.id,
      ]);
      expect(current[0].n).toBe(1);
    });

    it('accepts a custom role in the escalation chain', async () => {
      const name = `night_${randomBytes(3).toString('hex')}`;
      await request(api.url)
        .post('/api/v1/admin/roles')
        .set(...bearer(tenant.adminToken))
        .send({ name, rules: [] })
        .expect(201);
      const response = await call('put', '/critical', tenant.adminToken, { ...VALID, escalation_chain: [name, 'ceo_oncall'] }).expect(200);
      expect(response.body.escalation_chain).toEqual([name, 'ceo_oncall']);
    });

    it('answers 422 for bad terms, naming the field, and stores nothing', async () => {
      const before = (await call('get', '/medium', tenant.adminToken).expect(200)).body;
      const cases: Array<[object, string[]]> = [
        [{ ...VALID, first_response_minutes: 120, resolution_minutes: 60 }, ['resolution_minutes']],
        [{ ...VALID, escalation_chain: ['ops_agent', 'no_such_role'] }, ['escalation_chain']],
        [{ ...VALID, escalation_chain: ['ops_agent', 'ops_agent'] }, ['escalation_chain']],
        [{ ...VALID, escalation_chain: [] }, ['escalation_chain']],
        [{ ...VALID, escalation_chain: ['Not A Role'] }, ['escalation_chain']],
        [{ ...VALID, first_response_minutes: -5 }, ['first_response_minutes']],
        [{ ...VALID, resolution_minutes: -1 }, ['resolution_minutes']],
        [{ ...VALID, first_response_minutes: 0 }, ['first_response_minutes']],
        [{ ...VALID, first_response_minutes: '60' }, ['first_response_minutes']],
        [{ ...VALID, next_reply_minutes: -1 }, ['next_reply_minutes']],
        [{ ...VALID, near_breach_ratio: 1 }, ['near_breach_ratio']],
        [{ ...VALID, near_breach_ratio: 0 }, ['near_breach_ratio']],
        [{ ...VALID, pause_statuses: ['sleeping'] }, ['pause_statuses']],
        [{ ...VALID, business_hours: 'weekdays' }, ['business_hours']],
        [{ ...VALID, business_hours: { time_zone: 'Mars/Olympus', weekly: { mon: [{ start: '09:00', end: '17:00' }] } } }, ['business_hours.time_zone']],
        [
          { ...VALID, business_hours: { time_zone: 'Europe/Paris', weekly: { mon: [{ start: '17:00', end: '09:00' }] } } },
          ['business_hours.weekly.mon[0].end'],
        ],
        [{ ...VALID, priority: 'high' }, ['priority']],
        [{ ...VALID, version: 7 }, ['version']],
        [{ escalation_chain: ['ops_agent'] }, ['first_response_minutes', 'resolution_minutes']],
        [{ first_response_minutes: 1, resolution_minutes: 2 }, ['escalation_chain']],
      ];
      for (const [body, fields] of cases) {
        const response = await call('put', '/medium', tenant.adminToken, body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }
      expect((await call('get', '/medium', tenant.adminToken).expect(200)).body).toEqual(before);
    });

    it('answers 422 for a priority that does not exist', async () => {
      const response = await call('put', '/urgent', tenant.adminToken, VALID);
      expectProblem(response, 422, 'validation_failed');
      expect(fieldsOf(response)).toEqual(['priority']);
    });
  });

  describe('calendars with little working time (the due-date search must stay bounded)', () => {
    // One working minute a week, on a weekday three days from today in Berlin: the minute never
    // falls while this test runs, so every count below is in whole minutes.
    const ZONE = 'Europe/Berlin';
    const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const workday = DateTime.now().setZone(ZONE).startOf('day').plus({ days: 3 });
    const oneMinuteAWeek = { time_zone: ZONE, weekly: { [WEEKDAYS[workday.weekday - 1]!]: [{ start: '09:00', end: '09:01' }] } };
    // 521 whole weeks in ten years, less 31 DST gaps that may each take two dates' worth (2 minutes).
    const GUARANTEED = 521 - 31 * 2;
    const CHAIN = ['ops_agent', 'ops_manager'];
    const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

    /** The instant `seconds` into the working minute of the n-th working day (1-based), counted by hand. */
    const nthMinute = (n: number, seconds: number): string =>
      workday
        .plus({ weeks: n - 1 })
        .set({ hour: 9, minute: 0, second: 0, millisecond: 0 })
        .plus({ seconds })
        .toUTC()
        .toISO()!;

    it('refuses the hostile calendar with the largest targets (422 naming each target) and stores nothing', async () => {
      const fresh = await createTenant(api);
      const put = (body: object) =>
        request(api.url)
          .put('/api/v1/admin/sla-policies/medium')
          .set(...bearer(fresh.adminToken))
          .send(body);
      const before = (
        await request(api.url)
          .get('/api/v1/admin/sla-policies/medium')
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body;

      const hostile = await put({
        first_response_minutes: 525_600,
        resolution_minutes: 5_256_000,
        next_reply_minutes: 525_600,
        near_breach_minutes: 525_600,
        escalation_chain: CHAIN,
        business_hours: oneMinuteAWeek,
      });
      expectProblem(hostile, 422, 'validation_failed');
      expect(hostile.body.errors).toEqual(
        ['first_response_minutes', 'resolution_minutes', 'next_reply_minutes'].map((field) => ({
          field,
          message: `must be at most ${GUARANTEED} minutes: that is all the working time business_hours guarantees within 10 years`,
        })),
      );

      const cases: Array<[object, string[]]> = [
        // One minute more than the calendar guarantees, on each target.
        [{ first_response_minutes: GUARANTEED + 1, resolution_minutes: GUARANTEED + 1 }, ['first_response_minutes', 'resolution_minutes']],
        [{ first_response_minutes: 1, resolution_minutes: GUARANTEED + 0.5 }, ['resolution_minutes']],
        [{ first_response_minutes: 1, resolution_minutes: 2, next_reply_minutes: GUARANTEED + 1 }, ['next_reply_minutes']],
        // Zero working minutes a week.
        [{ first_response_minutes: 1, resolution_minutes: 2, business_hours: { time_zone: ZONE, weekly: {} } }, ['business_hours.weekly']],
        [{ first_response_minutes: 1, resolution_minutes: 2, business_hours: { time_zone: ZONE, weekly: { mon: [], sun: [] } } }, ['business_hours.weekly']],
        // Larger than a stored calendar may be: 49 intervals on a day, 1,001 holidays.
        [
          {
            first_response_minutes: 1,
            resolution_minutes: 2,
            business_hours: { time_zone: ZONE, weekly: { tue: Array.from({ length: 49 }, (_, i) => ({ start: hhmm(29 * i), end: hhmm(29 * i + 1) })) } },
          },
          ['business_hours.weekly.tue'],
        ],
        [
          {
            first_response_minutes: 1,
            resolution_minutes: 2,
            business_hours: { ...oneMinuteAWeek, holidays: Array.from({ length: 1001 }, (_, day) => workday.plus({ days: day + 1 }).toISODate()) },
          },
          ['business_hours.holidays'],
        ],
        // Holidays on every working day for more than ten years leave nothing certain.
        [
          {
            first_response_minutes: 1,
            resolution_minutes: 2,
            business_hours: {
              ...oneMinuteAWeek,
              holidays: Array.from({ length: 530 }, (_, week) => workday.plus({ weeks: week }).toISODate()),
            },
          },
          ['business_hours'],
        ],
      ];
      for (const [terms, fields] of cases) {
        const body = { escalation_chain: CHAIN, business_hours: oneMinuteAWeek, ...terms };
        const response = await put(body);
        expectProblem(response, 422, 'validation_failed');
        expect({ body, fields: fieldsOf(response) }).toEqual({ body, fields });
      }

      expect(
        (
          await request(api.url)
            .get('/api/v1/admin/sla-policies/medium')
            .set(...bearer(fresh.adminToken))
            .expect(200)
        ).body,
      ).toEqual(before);
      const versions = await dataSourceOf(api).query(`SELECT count(*)::int AS n FROM sla_policies WHERE tenant_id = $1 AND priority = 'medium'`, [fresh.id]);
      expect(versions).toEqual([{ n: 1 }]);
      // The api still answers, and tickets of that priority still get the old terms.
      await request(api.url).get('/health/live').expect(200);
      const ticket = (
        await request(api.url)
          .post('/api/v1/tickets')
          .set(...bearer(fresh.adminToken))
          .send({ title: 'Still 8 hours', type: 'incident', priority: 'medium' })
          .expect(201)
      ).body;
      expect(Date.parse(ticket.first_response_due_at) - Date.parse(ticket.created_at)).toBe(480 * 60_000);
    });

    it('accepts targets the calendar holds, and ticket create and GET /tickets/:id/sla count them right', async () => {
      const fresh = await createTenant(api);
      const policy = await request(api.url)
        .put('/api/v1/admin/sla-policies/low')
        .set(...bearer(fresh.adminToken))
        .send({
          first_response_minutes: 2,
          resolution_minutes: GUARANTEED,
          next_reply_minutes: GUARANTEED,
          escalation_chain: CHAIN,
          business_hours: oneMinuteAWeek,
        })
        .expect(200);
      expect(policy.body).toMatchObject({ version: 2, first_response_minutes: 2, resolution_minutes: GUARANTEED, business_hours: oneMinuteAWeek });

      const ticket = (
        await request(api.url)
          .post('/api/v1/tickets')
          .set(...bearer(fresh.adminToken))
          .send({ title: 'Slow lane', type: 'incident', priority: 'low' })
          .expect(201)
      ).body;
      // First response: 2 minutes → the end of the second working minute; warned with 20 % left
      // (0.4 minutes, so 1.6 minutes in: 36 seconds into the second). Resolution: 459 minutes →
      // the 459th working Monday-or-whichever, about nine years on; warned 367.2 minutes in.
      expect(ticket).toMatchObject({
        sla_policy_id: policy.body.id,
        sla_state: 'on_track',
        first_response_due_at: nthMinute(2, 60),
        first_response_warn_at: nthMinute(2, 36),
        resolution_due_at: nthMinute(GUARANTEED, 60),
        resolution_warn_at: nthMinute(368, 12),
      });

      const sla = (
        await request(api.url)
          .get(`/api/v1/tickets/${ticket.id}/sla`)
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body;
      expect(sla).toMatchObject({ ticket_id: ticket.id, sla_state: 'on_track', policy: { id: policy.body.id, version: 2 } });
      expect(sla.targets).toEqual([
        { target: 'first_response', due_at: nthMinute(2, 60), near_breach_at: nthMinute(2, 36), met_at: null, remaining_minutes: 2, status: 'pending' },
        {
          target: 'resolution',
          due_at: nthMinute(GUARANTEED, 60),
          near_breach_at: nthMinute(368, 12),
          met_at: null,
          remaining_minutes: GUARANTEED,
          status: 'pending',
        },
      ]);

      // Long overdue: the due instants moved years into the past, GET /sla counts the working
      // minutes since (2 years of one minute a week; the minute of today + 3 days is not in it).
      await dataSourceOf(api).query(`UPDATE tickets SET created_at = created_at - interval '2 years' WHERE id = $1`, [ticket.id]);
      const overdue = (
        await request(api.url)
          .get(`/api/v1/tickets/${ticket.id}/sla`)
          .set(...bearer(fresh.adminToken))
          .expect(200)
      ).body;
      expect(overdue.sla_state).toBe('breached');
      const first = overdue.targets[0];
      expect(first).toMatchObject({ target: 'first_response', status: 'breached' });
      const dueAt = DateTime.fromISO(first.due_at);
      let expectedOverdue = 0;
      for (let at = dueAt.setZone(ZONE).plus({ weeks: 1 }).set({ hour: 9, minute: 1 }); at < DateTime.now(); at = at.plus({ weeks: 1 })) expectedOverdue++;
      expect(first.remaining_minutes).toBe(-expectedOverdue);
      expect(expectedOverdue).toBeGreaterThan(100);
    });
  });

  it('documents every SLA policy route in the OpenAPI document', async () => {
    const doc = (await request(api.url).get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/v1/admin/sla-policies'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/admin/sla-policies/{priority}']).sort()).toEqual(['get', 'put']);
  });
});
