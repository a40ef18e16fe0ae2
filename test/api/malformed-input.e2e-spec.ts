/**
 * Regressions of malformed input that the api answered with a 500 (or stored altered): NUL
 * characters and unpaired surrogates in text, dates PostgreSQL cannot store, JSON nested thousands
 * of levels deep, cursors holding numbers PostgreSQL cannot take, and SLA minutes its columns
 * round to nothing. Each is now a 4xx problem+json that names the field, and changes no row.
 */
import request from 'supertest';
import {
  bearer,
  createTenant,
  createUser,
  dataSourceOf,
  expectProblem,
  fieldsOf,
  rowCounts,
  RunningApp,
  startApi,
  tenantSnapshot,
  TEST_PASSWORD,
  TestTenant,
  TestUser,
} from '@helpdesk/testing';
import { INPUT_SQLSTATES, toProblem } from '../../apps/api/src/common/problem-details.filter';
import { API_OVERRIDES, createTeam, newTicket } from './tickets-fixtures';

const TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';
/** A bad key is named with its bad characters shown as U+FFFD. */
const messageFor = (field: string) => (field.includes('\ufffd') ? `is a key that ${TEXT_MESSAGE}` : TEXT_MESSAGE);

const objects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const cursorOf = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

describe('malformed input: a 4xx problem+json naming the field, and no row changed', () => {
  let api: RunningApp;
  let tenant: TestTenant;
  let agent: TestUser;
  let requester: TestUser;
  let team: string;
  let ticket: string;
  let role: string;
  const http = () => request(api.url);

  /** Sends the request and expects a refusal with `status`, the fields named (if given), and the tenant's rows as they were. */
  async function refused(send: () => PromiseLike<request.Response>, status: number, fields?: string[]): Promise<request.Response> {
    const before = await tenantSnapshot(api, tenant.id);
    const response = await send();
    expectProblem(response, status, status === 422 ? 'validation_failed' : undefined);
    if (fields) expect(fieldsOf(response)).toEqual([...fields].sort());
    const after = await tenantSnapshot(api, tenant.id);
    expect(rowCounts(after)).toEqual(rowCounts(before));
    expect(after).toEqual(before);
    return response;
  }

  const as = (token: string, method: 'get' | 'post' | 'put' | 'patch', path: string) =>
    http()
      [method](`/api/v1${path}`)
      .set(...bearer(token));
  const admin = (method: 'get' | 'post' | 'put' | 'patch', path: string) => as(tenant.adminToken, method, path);
  const version = async () => (await dataSourceOf(api).query('SELECT version FROM tickets WHERE id = $1', [ticket]))[0].version as number;

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    tenant = await createTenant(api);
    team = await createTeam(api, tenant, 'Malformed');
    [agent, requester] = await Promise.all([createUser(api, tenant, 'ops_agent', { team_ids: [team] }), createUser(api, tenant, 'requester')]);
    ticket = (await newTicket(api, tenant.adminToken, { requester_id: requester.id, team_id: team, metadata: { kept: 'as is' } })).id;
    role = (await admin('post', '/admin/roles').send({ name: 'malformed_role', rules: [] }).expect(201)).body.id;
  });
  afterAll(() => api?.close());

  /** Text cases as [label, request, field]; `bad` is put where the field's text goes. */
  function textCases(bad: string): Array<[string, () => PromiseLike<request.Response>, string]> {
    return [
      ['a ticket title', () => admin('post', '/tickets').send({ title: `Card${bad}terminal`, type: 'incident', priority: 'high' }), 'title'],
      [
        'a metadata value',
        () => admin('post', '/tickets').send({ title: 'ok', type: 'incident', priority: 'high', metadata: { note: `x${bad}` } }),
        'metadata.note',
      ],
      [
        'a metadata key',
        () => admin('post', '/tickets').send({ title: 'ok', type: 'incident', priority: 'high', metadata: { [`k${bad}`]: 1 } }),
        'metadata.k\ufffd',
      ],
      ['a tag', () => admin('post', '/tickets').send({ title: 'ok', type: 'incident', priority: 'high', tags: ['fine', `t${bad}`] }), 'tags[1]'],
      [
        'a ticket change',
        async () =>
          admin('patch', `/tickets/${ticket}`)
            .set('if-match', `"${await version()}"`)
            .send({ description: `changed${bad}` }),
        'description',
      ],
      ['a message', () => as(requester.token, 'post', `/tickets/${ticket}/messages`).send({ body: `hello${bad}` }), 'body'],
      ['an assignment reason', () => admin('post', `/tickets/${ticket}/assign`).send({ assignee_id: agent.id, reason: `because${bad}` }), 'reason'],
      ['an escalation reason', () => admin('post', `/tickets/${ticket}/escalate`).send({ reason: `urgent${bad}` }), 'reason'],
      ['a de-escalation reason', () => admin('post', `/tickets/${ticket}/escalation/de-escalate`).send({ reason: `calm${bad}` }), 'reason'],
      ['a user name', () => admin('post', '/admin/users').send({ email: 'nul@example.test', name: `N${bad}`, role: 'ops_agent' }), 'name'],
      [
        'a user password',
        () => admin('post', '/admin/users').send({ email: 'pw@example.test', name: 'P', role: 'ops_agent', password: `long enough ${bad}` }),
        'password',
      ],
      ['a user change', () => admin('patch', `/admin/users/${agent.id}`).send({ region: `north${bad}` }), 'region'],
      ['a team name', () => admin('post', '/admin/teams').send({ name: `Team${bad}` }), 'name'],
      ['a team change', () => admin('patch', `/admin/teams/${team}`).send({ description: `d${bad}` }), 'description'],
      ['a role description', () => admin('post', '/admin/roles').send({ name: 'night_shift', description: `d${bad}`, rules: [] }), 'description'],
      [
        'a role rule condition',
        () => admin('patch', `/admin/roles/${role}`).send({ rules: [{ action: 'read', subject: 'Ticket', conditions: { region: `r${bad}` } }] }),
        'rules[0].conditions.region',
      ],
      ['an API key name', () => admin('post', '/admin/api-keys').send({ name: `CRM${bad}`, role: 'ops_agent', scopes: ['tickets:read'] }), 'name'],
      [
        'an SLA calendar',
        () =>
          admin('put', '/admin/sla-policies/low').send({
            first_response_minutes: 60,
            resolution_minutes: 600,
            escalation_chain: ['ops_agent'],
            business_hours: { time_zone: `Europe/Berlin${bad}`, weekly: {} },
          }),
        'business_hours.time_zone',
      ],
      [
        'a login email, without a credential',
        () =>
          http()
            .post('/api/v1/auth/login')
            .send({ email: `a${bad}dmin@example.test`, password: TEST_PASSWORD }),
        'email',
      ],
      [
        'a login password, without a credential',
        () =>
          http()
            .post('/api/v1/auth/login')
            .send({ email: tenant.adminEmail, password: `${TEST_PASSWORD}${bad}` }),
        'password',
      ],
      [
        'a refresh token, without a credential',
        () =>
          http()
            .post('/api/v1/auth/refresh')
            .send({ refresh_token: `0123456789${bad}` }),
        'refresh_token',
      ],
    ];
  }

  describe('1. NUL characters', () => {
    it.each(textCases('\u0000'))('in %s: 422 naming the field', async (_, send, field) => {
      const response = await refused(send, 422, [field]);
      expect(response.body.errors).toEqual([{ field, message: messageFor(field) }]);
    });

    it.each([
      ['/tickets?q=card%00terminal', 'q'],
      ['/tickets?linked_id=a%00b', 'linked_id'],
      ['/tickets?owner_role=%00', 'owner_role'],
      ['/tickets?status=open&tag=a%00', 'tag'],
      ['/admin/users?role=ops%00agent', 'role'],
      ['/admin/teams?cursor=%00', 'cursor'],
      [`/tickets/{ticket}/audit?cursor=x%00`, 'cursor'],
    ])('in the query %s: 422 naming the filter', async (path, field) => {
      await refused(() => admin('get', path.replace('{ticket}', ticket)), 422, [field]);
    });
  });

  describe('2. unpaired surrogates', () => {
    it.each(['\ud800', '\udbff', '\udc00', '\udfff'])('%j in any text field: 422 naming it', async (bad) => {
      for (const [, send, field] of textCases(bad)) {
        const response = await refused(send, 422, [field]);
        expect(response.body.errors).toEqual([{ field, message: messageFor(field) }]);
      }
    });

    it('on login, before the email validator (which threw on them) and before the password check (a 401)', async () => {
      await refused(() => http().post('/api/v1/auth/login').send({ email: 'a\ud800@example.test', password: 'x' }), 422, ['email']);
      await refused(() => http().post('/api/v1/auth/login').send({ email: tenant.adminEmail, password: 'x\udc00' }), 422, ['password']);
    });

    it('surrogate pairs (emoji, astral letters) are text like any other: stored and read back unchanged', async () => {
      const title = 'Paid 💳 by 𝒜lice';
      const created = await admin('post', '/tickets')
        .send({ title, type: 'incident', priority: 'low', metadata: { '🔑': '𝒜' } })
        .expect(201);
      const [row] = await dataSourceOf(api).query('SELECT title, metadata FROM tickets WHERE id = $1', [created.body.id]);
      expect(row).toEqual({ title, metadata: { '🔑': '𝒜' } });
    });
  });

  describe('3. dates PostgreSQL cannot store', () => {
    const FAR = ['-271821-04-20', '0000-01-01', '-000001-12-31T00:00:00Z', '-004714-11-23T00:00:00Z', '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z'];
    const filters = ['created_after', 'created_before', 'due_before'].flatMap((filter) => FAR.map((date): [string, string] => [filter, date]));

    it.each(filters)('tickets?%s=%s: 422 naming the filter', async (filter, date) => {
      const response = await refused(() => admin('get', `/tickets?${filter}=${encodeURIComponent(date)}`), 422, [filter]);
      expect(response.body.errors[0].message).toBe(`${filter} must be between 1-01-01 and 9999-12-31 (UTC)`);
    });

    it.each(FAR)('escalations?since=%s: 422 naming it', async (date) => {
      await refused(() => admin('get', `/escalations?since=${encodeURIComponent(date)}`), 422, ['since']);
    });

    it('an API key that expires in year 275760: 422 (it was stored)', async () => {
      await refused(
        () => admin('post', '/admin/api-keys').send({ name: 'far', role: 'ops_agent', scopes: ['tickets:read'], expires_at: '+275760-09-13T00:00:00.000Z' }),
        422,
        ['expires_at'],
      );
    });

    it('the first and the last instant of years 1 to 9999 are filters like any other', async () => {
      const page = await admin('get', `/tickets?created_after=0001-01-01T00:00:00Z&due_before=${encodeURIComponent('9999-12-31T23:59:59.999Z')}`).expect(200);
      expect(page.body.data.map((t: { id: string }) => t.id)).toContain(ticket);
    });
  });

  describe('4. JSON nested deeper than 32 levels', () => {
    const json = (send: request.Test, text: string) => send.set('content-type', 'application/json').send(text);

    it('in a field: 422 naming the top-level field, before any validation', async () => {
      const response = await refused(
        () => json(admin('post', '/tickets'), `{"title":"deep","type":"incident","priority":"high","metadata":${objects(5000)}}`),
        422,
        ['metadata'],
      );
      expect(response.body.errors[0].message).toBe('must not nest arrays and objects more than 32 levels deep');
    });

    it.each([
      ['a team, the whole body an array', () => json(admin('post', '/admin/teams'), arrays(5000)), '[0]'],
      ['a role', () => json(admin('post', '/admin/roles'), `{"name":"deep_role","rules":${arrays(3000)}}`), 'rules'],
      ['a ticket change', () => json(admin('patch', `/tickets/${ticket}`).set('if-match', '"1"'), `{"metadata":${objects(4000)}}`), 'metadata'],
      ['a login, without a credential', () => json(http().post('/api/v1/auth/login'), `{"email":${arrays(5000)}}`), 'email'],
      ['a refresh, without a credential', () => json(http().post('/api/v1/auth/refresh'), arrays(8000)), '[0]'],
    ])('in %s: 422', async (_, send, field) => {
      await refused(send, 422, [field]);
    });

    it('a body 32 levels deep is taken, 33 is not', async () => {
      // The body is level 1: metadata's objects are levels 2 to `levels`.
      const at = (levels: number) => `{"title":"depth","type":"task","priority":"low","metadata":${objects(levels - 1)}}`;
      const created = await json(admin('post', '/tickets'), at(32)).expect(201);
      expect(JSON.stringify(created.body.metadata)).toBe(objects(31));
      await refused(() => json(admin('post', '/tickets'), at(33)), 422, ['metadata']);
    });

    it('keeps the other refusals of a body: malformed JSON 400, other media types 415 (forms too), over 1 MiB 413', async () => {
      await refused(() => json(admin('post', '/admin/teams'), '{"name":'), 400);
      await refused(() => json(admin('post', '/admin/teams'), '{"name":"x","__proto__":{"admin":true}}'), 400);
      await refused(() => admin('post', '/admin/teams').set('content-type', 'text/plain').send('name=x'), 415);
      await refused(() => admin('post', '/admin/teams').set('content-type', 'application/x-www-form-urlencoded').send('name=form%00team'), 415);
      // Past the OpenAPI-checking proxy (ADR 0013): an early 413 and the reset of the body still being
      // sent race across its two connections.
      await refused(
        () =>
          json(
            request(api.process.url)
              .post('/api/v1/admin/teams')
              .set(...bearer(tenant.adminToken)),
            arrays(600 * 1024),
          ),
        413,
      );
    });
  });

  describe('5. cursors holding values PostgreSQL cannot take', () => {
    it.each([
      ['1e300', '{"seq":1e300}'],
      ['2^70', `{"seq":${2 ** 70}}`],
      ['2^63', '{"seq":9223372036854775808}'],
      ['1e21', '{"seq":1e21}'],
      ['2^53 + 2', '{"seq":9007199254740994}'],
      ['30 digits', '{"seq":123456789012345678901234567890}'],
    ])('an audit cursor at seq %s: 422 on field cursor', async (_, content) => {
      const response = await refused(() => admin('get', `/tickets/${ticket}/audit?cursor=${cursorOf(content)}`), 422, ['cursor']);
      expect(response.body.errors).toEqual([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
    });

    it.each(['/tickets', '/admin/users', '/admin/teams', '/admin/roles', '/admin/api-keys', '/escalations', '/tickets/{ticket}/messages'])(
      'an id cursor holding a huge number on %s: 422 on field cursor',
      async (path) => {
        await refused(() => admin('get', `${path.replace('{ticket}', ticket)}?cursor=${cursorOf('{"id":1e300,"seq":1e300}')}`), 422, ['cursor']);
      },
    );

    it('the cursors the API returns still page', async () => {
      await admin('patch', `/tickets/${ticket}`)
        .set('if-match', `"${await version()}"`)
        .send({ title: 'A second audit row' })
        .expect(200);
      const first = await admin('get', `/tickets/${ticket}/audit?limit=1`).expect(200);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await admin('get', `/tickets/${ticket}/audit?limit=1&cursor=${first.body.next_cursor}`).expect(200);
      expect(second.body.data[0].seq).toBeGreaterThan(first.body.data[0].seq);
    });
  });

  describe('numbers the SLA columns would round to 0 or 1', () => {
    const VALID = { first_response_minutes: 60, resolution_minutes: 600, escalation_chain: ['ops_agent'] };

    it.each([
      ['first_response_minutes', 1e-300],
      ['first_response_minutes', 4e-5],
      ['next_reply_minutes', 1e-10],
      ['near_breach_minutes', 5e-324],
      ['reescalation_minutes', 1e-5],
      ['near_breach_ratio', 1e-5],
      ['near_breach_ratio', 0.99999],
    ])('%s = %s: 422 naming it', async (field, value) => {
      await refused(() => admin('put', '/admin/sla-policies/low').send({ ...VALID, [field]: value }), 422, [field]);
    });

    it('the smallest step, 0.0001, is kept', async () => {
      const put = await admin('put', '/admin/sla-policies/critical')
        .send({ ...VALID, first_response_minutes: 0.0001, near_breach_ratio: 0.9999 })
        .expect(200);
      expect(put.body).toMatchObject({ first_response_minutes: 0.0001, near_breach_ratio: 0.9999 });
    });
  });

  describe('the safety net: PostgreSQL refusing an input is a 422, should validation let one through', () => {
    it.each([
      ['a NUL in text', 'SELECT $1::text', ['a\u0000b']],
      ['an unpaired surrogate in jsonb', 'SELECT $1::jsonb', ['"\\ud800"']],
      ['a date before 4713 BC', 'SELECT $1::timestamptz', [new Date('-271821-04-20T00:00:00Z')]],
      ['a bigint past 2^63', 'SELECT $1::bigint', ['9223372036854775808']],
      ['an integer past 2^31', 'SELECT $1::int', ['2147483648']],
    ])('%s, as the driver reports it', async (_, sql, params: unknown[]) => {
      const error = await dataSourceOf(api)
        .query(sql, params)
        .then(
          () => null,
          (e: unknown) => e,
        );
      const log = { error: jest.fn(), warn: jest.fn() };
      expect(INPUT_SQLSTATES.has((error as { driverError: { code: string } }).driverError.code)).toBe(true);
      expect(toProblem(error, log)).toMatchObject({ status: 422, type: 'urn:helpdesk:problem:validation_failed' });
    });
  });
});
