import { createTenant, createUser, dataSourceOf, expectProblem, fieldsOf, RunningApp, startApi, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES, createTeam, newTicket, sleep, ticketsApi, TicketsApi } from './tickets-fixtures';

type Row = Record<string, any>;

const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
const TYPES = ['bug', 'feature', 'support', 'task', 'question', 'incident'] as const;
const RANK: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };
const COUNT = 30;

const DESCRIPTIONS: Record<number, [string, string]> = {
  2: ['Coffee corner', 'The espresso machine leaks water onto the counter'],
  5: ['Grinder', 'Espresso grinder jammed again'],
  8: ['Staff room', 'Water heater is broken in the staff room'],
  11: ['Espresso order missing', 'Nothing arrived'],
};

/** Which of the 30 tickets (by creation index) carry each attribute. */
const range = (predicate: (i: number) => boolean) => Array.from({ length: COUNT }, (_, i) => i).filter(predicate);
const TEAM_A = range((i) => i % 3 === 0);
const TEAM_B = range((i) => i % 3 === 1);
const ASSIGNED = range((i) => i % 6 === 0);
const VIP = range((i) => i % 5 === 0);
const ORDER_1 = [0, 7];
const ORDER_2 = [14, 21, 28];
const PAYMENT_ORD_1 = [3];
const OPEN = range((i) => i % 4 === 1 && i !== 9);
const IN_PROGRESS = range((i) => i % 4 === 2);
const RESOLVED = [9];
const ESCALATED = [4, 13];

describe('ticket lists: keyset pagination, sorting, filters, full-text search', () => {
  let api: RunningApp;
  let t: TicketsApi;
  let tenant: TestTenant;
  let teamA: string;
  let teamB: string;
  let agentA: TestUser;
  let agentB: TestUser;
  /** The 30 tickets, by creation index, as the admin sees them after setup. */
  let tickets: Row[];
  let idOf: (indexes: number[]) => string[];

  /** Every page of a list, following next_cursor; checks that no page is over the limit and only the last is short. */
  async function collect(token: string, query: string, limit = 7): Promise<Row[]> {
    const rows: Row[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { data: Row[]; next_cursor: string | null } } = await t
        .list(token, `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      cursor = page.body.next_cursor;
      if (cursor) expect(page.body.data).toHaveLength(limit);
      else expect(page.body.data.length).toBeLessThanOrEqual(limit);
      rows.push(...page.body.data);
      expect(++pages).toBeLessThan(100);
    } while (cursor);
    return rows;
  }
  const ids = (rows: Row[]) => rows.map((r) => r.id);
  const sorted = (values: string[]) => [...values].sort();
  const listIds = async (query: string, token = tenant.adminToken) => sorted(ids(await collect(token, query, 50)));

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    t = ticketsApi(api);
    tenant = await createTenant(api);
    [teamA, teamB] = await Promise.all([createTeam(api, tenant, 'A'), createTeam(api, tenant, 'B')]);
    [agentA, agentB] = await Promise.all([
      createUser(api, tenant, 'ops_agent', { team_ids: [teamA] }),
      createUser(api, tenant, 'ops_agent', { team_ids: [teamB] }),
    ]);

    const created: Row[] = [];
    for (let i = 0; i < COUNT; i++) {
      const [title, description] = DESCRIPTIONS[i] ?? [`Routine ticket ${i}`, `Nothing special about number ${i}`];
      const linked = ORDER_1.includes(i)
        ? { linked_type: 'order', linked_id: 'ord-1' }
        : ORDER_2.includes(i)
          ? { linked_type: 'order', linked_id: 'ord-2' }
          : PAYMENT_ORD_1.includes(i)
            ? { linked_type: 'payment', linked_id: 'ord-1' }
            : {};
      created.push(
        await newTicket(api, tenant.adminToken, {
          title,
          description,
          priority: PRIORITIES[i % 4],
          type: TYPES[i % 6],
          team_id: TEAM_A.includes(i) ? teamA : TEAM_B.includes(i) ? teamB : undefined,
          assignee_id: ASSIGNED.includes(i) ? agentA.id : undefined,
          tags: VIP.includes(i) ? ['vip', `n${i}`] : [`n${i}`],
          ...linked,
        }),
      );
      await sleep(2); // distinct creation instants, so that the expected order is the creation order
    }
    for (const i of OPEN) await t.patch(tenant.adminToken, created[i].id, { status: 'open' }, 1).expect(200);
    for (const i of IN_PROGRESS) await t.patch(tenant.adminToken, created[i].id, { status: 'in_progress' }, 1).expect(200);
    for (const i of RESOLVED) await t.patch(tenant.adminToken, created[i].id, { status: 'resolved', resolution_summary: 'done' }, 1).expect(200);
    await dataSourceOf(api).query('UPDATE tickets SET escalation_level = 1 WHERE id = ANY($1)', [ESCALATED.map((i) => created[i].id)]);
    tickets = await Promise.all(created.map(async (c) => (await t.get(tenant.adminToken, c.id).expect(200)).body));
    idOf = (indexes) => sorted(indexes.map((i) => tickets[i].id));
  });
  afterAll(() => api.close());

  describe('keyset pagination', () => {
    it('returns every ticket exactly once over pages of 7, newest first by default', async () => {
      const rows = await collect(tenant.adminToken, '');
      expect(rows).toHaveLength(COUNT);
      expect(ids(rows)).toEqual(ids([...tickets].reverse()));
      const first = await t.list(tenant.adminToken, 'limit=7').expect(200);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      expect(ids(first.body.data)).toEqual(ids([...tickets].reverse().slice(0, 7)));
    });

    it('has no gaps or duplicates when tickets are created between page requests; new ones appear only at the head', async () => {
      const own = await createTenant(api);
      const originals: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        originals.push((await newTicket(api, own.adminToken, { title: `Original ${i}` })).id);
        await sleep(2);
      }
      const added: string[] = [];
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: Row[]; next_cursor: string | null } } = await t
          .list(own.adminToken, `limit=7${cursor ? `&cursor=${cursor}` : ''}`)
          .expect(200);
        seen.push(...ids(page.body.data));
        cursor = page.body.next_cursor;
        // Two more tickets arrive while the client reads the page.
        for (let k = 0; k < 2; k++) {
          await sleep(2);
          added.push((await newTicket(api, own.adminToken, { title: `Late ${added.length}` })).id);
        }
      } while (cursor);
      expect(seen).toEqual([...originals].reverse());
      expect(new Set(seen).size).toBe(COUNT);
      expect(seen.filter((id) => added.includes(id))).toEqual([]);
      // A fresh first page starts with the late arrivals, newest first.
      const head = await t.list(own.adminToken, `limit=${added.length + 1}`).expect(200);
      expect(ids(head.body.data)).toEqual([...[...added].reverse(), originals[COUNT - 1]]);

      // Ascending, the late ones come after every original, still each once.
      const ascending = await collect(own.adminToken, 'sort=created_at');
      expect(ids(ascending)).toEqual([...originals, ...added]);
    });

    it('pages only through what the caller may see: every page but the last is full', async () => {
      const mine = await collect(agentA.token, '', 3);
      expect(sorted(ids(mine))).toEqual(idOf(TEAM_A));
      const theirs = await collect(agentB.token, '', 4);
      expect(sorted(ids(theirs))).toEqual(idOf(TEAM_B));
      // A filter outside the caller's teams finds nothing, rather than someone else's tickets.
      expect(await listIds(`team_id=${teamB}`, agentA.token)).toEqual([]);
    });

    it('answers 422 for a cursor it did not issue, and for a limit out of range', async () => {
      const garbage = Buffer.from(JSON.stringify({ id: 'not-a-uuid' })).toString('base64url');
      for (const query of ['cursor=garbage!', `cursor=${garbage}`, 'limit=0', 'limit=201', 'limit=many']) {
        const response = await t.list(tenant.adminToken, query);
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual([query.split('=')[0]]);
      }
    });
  });

  describe('sorting', () => {
    const time = (value: string | null) => (value === null ? Infinity : new Date(value).getTime());

    it.each([
      ['priority', (a: Row, b: Row) => RANK[a.priority] - RANK[b.priority] || (a.id < b.id ? -1 : 1)],
      ['-priority', (a: Row, b: Row) => RANK[b.priority] - RANK[a.priority] || (a.id < b.id ? 1 : -1)],
      ['-updated_at', (a: Row, b: Row) => time(b.updated_at) - time(a.updated_at) || (a.id < b.id ? 1 : -1)],
      ['updated_at', (a: Row, b: Row) => time(a.updated_at) - time(b.updated_at) || (a.id < b.id ? -1 : 1)],
      ['resolution_due_at', (a: Row, b: Row) => time(a.resolution_due_at) - time(b.resolution_due_at) || (a.id < b.id ? -1 : 1)],
      ['-resolution_due_at', (a: Row, b: Row) => time(b.resolution_due_at) - time(a.resolution_due_at) || (a.id < b.id ? 1 : -1)],
      ['created_at', (a: Row, b: Row) => time(a.created_at) - time(b.created_at) || (a.id < b.id ? -1 : 1)],
    ])('sort=%s returns every ticket once, in that order, across pages', async (sort, compare) => {
      const rows = await collect(tenant.adminToken, `sort=${sort}`);
      expect(rows).toHaveLength(COUNT);
      expect(ids(rows)).toEqual(ids([...tickets].sort(compare)));
    });

    it('orders by priority rank, not alphabetically', async () => {
      const rows = await collect(tenant.adminToken, 'sort=-priority');
      expect([...new Set(rows.map((r) => r.priority))]).toEqual(['critical', 'high', 'medium', 'low']);
    });

    it('answers 422 for an unknown sort', async () => {
      for (const sort of ['title', '--created_at', 'priority,created_at', '+priority', '']) {
        const response = await t.list(tenant.adminToken, `sort=${encodeURIComponent(sort)}`);
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual(['sort']);
      }
    });
  });

  describe('filters', () => {
    it('status takes a comma-separated list', async () => {
      expect(await listIds('status=open')).toEqual(idOf(OPEN));
      expect(await listIds('status=open,in_progress')).toEqual(idOf([...OPEN, ...IN_PROGRESS]));
      expect(await listIds('status=resolved')).toEqual(idOf(RESOLVED));
      expect(await listIds('status=new')).toEqual(idOf(range((i) => !OPEN.includes(i) && !IN_PROGRESS.includes(i) && !RESOLVED.includes(i))));
      expect(await listIds('status=closed')).toEqual([]);
    });

    it('priority and type take lists too', async () => {
      expect(await listIds('priority=critical')).toEqual(idOf(range((i) => i % 4 === 3)));
      expect(await listIds('priority=low,high')).toEqual(idOf(range((i) => i % 4 === 0 || i % 4 === 2)));
      expect(await listIds('type=incident')).toEqual(idOf(range((i) => i % 6 === 5)));
      expect(await listIds('type=bug,task&priority=low')).toEqual(idOf(range((i) => (i % 6 === 0 || i % 6 === 3) && i % 4 === 0)));
    });

    it('team_id, assignee_id, tag, linked_type + linked_id, escalated', async () => {
      expect(await listIds(`team_id=${teamA}`)).toEqual(idOf(TEAM_A));
      expect(await listIds(`team_id=${teamB}`)).toEqual(idOf(TEAM_B));
      expect(await listIds(`assignee_id=${agentA.id}`)).toEqual(idOf(ASSIGNED));
      expect(await listIds(`assignee_id=${agentB.id}`)).toEqual([]);
      expect(await listIds('tag=vip')).toEqual(idOf(VIP));
      expect(await listIds('tag=n17')).toEqual(idOf([17]));
      expect(await listIds('linked_type=order')).toEqual(idOf([...ORDER_1, ...ORDER_2]));
      expect(await listIds('linked_type=order&linked_id=ord-1')).toEqual(idOf(ORDER_1));
      expect(await listIds('linked_id=ord-1')).toEqual(idOf([...ORDER_1, ...PAYMENT_ORD_1]));
      expect(await listIds('linked_type=payment&linked_id=ord-1')).toEqual(idOf(PAYMENT_ORD_1));
      expect(await listIds('escalated=true')).toEqual(idOf(ESCALATED));
      expect(await listIds('escalated=false')).toEqual(idOf(range((i) => !ESCALATED.includes(i))));
      expect(await listIds(`team_id=${teamA}&tag=vip&escalated=false`)).toEqual(idOf(TEAM_A.filter((i) => VIP.includes(i))));
    });

    it('created_after (inclusive), created_before (exclusive) and due_before', async () => {
      const at = (i: number) => encodeURIComponent(tickets[i].created_at);
      expect(await listIds(`created_after=${at(10)}`)).toEqual(idOf(range((i) => i >= 10)));
      expect(await listIds(`created_before=${at(10)}`)).toEqual(idOf(range((i) => i < 10)));
      expect(await listIds(`created_after=${at(10)}&created_before=${at(20)}`)).toEqual(idOf(range((i) => i >= 10 && i < 20)));

      // Critical tickets are due 4 h after creation, high ones 24 h: a cut at +10 h keeps the critical ones.
      const cut = new Date(new Date(tickets[0].created_at).getTime() + 10 * 3600_000).toISOString();
      expect(await listIds(`due_before=${encodeURIComponent(cut)}`)).toEqual(idOf(range((i) => i % 4 === 3)));
      expect(await listIds(`due_before=${encodeURIComponent(tickets[0].created_at)}`)).toEqual([]);
    });

    it('answers 422 for malformed filters', async () => {
      for (const [query, field] of [
        ['status=open,bogus', 'status'],
        ['priority=urgent', 'priority'],
        ['type=complaint', 'type'],
        ['team_id=team-a', 'team_id'],
        ['assignee_id=42', 'assignee_id'],
        ['escalated=maybe', 'escalated'],
        ['created_after=yesterday', 'created_after'],
        ['due_before=soon', 'due_before'],
        ['tag=not%20a%20tag', 'tag'],
        ['unknown=1', 'unknown'],
      ]) {
        const response = await t.list(tenant.adminToken, query);
        expectProblem(response, 422, 'validation_failed');
        expect(fieldsOf(response)).toEqual([field]);
      }
    });
  });

  describe('full-text search (q, web search syntax)', () => {
    it.each([
      ['a word of the description', 'water', [2, 8]],
      ['a word of the title or the description', 'espresso', [2, 5, 11]],
      ['another form of the word (stemming)', 'leaking', [2]],
      ['a "quoted phrase"', '"machine leaks"', [2]],
      ['a phrase whose words are not adjacent', '"espresso leaks"', []],
      ['an -excluded word', 'espresso -grinder', [2, 11]],
      ['or', 'grinder or heater', [5, 8]],
      ['two words (and)', 'espresso water', [2]],
      ['a word nowhere', 'kangaroo', []],
    ])('finds by %s: q=%s', async (_label, q, expected) => {
      expect(await listIds(`q=${encodeURIComponent(q)}`)).toEqual(idOf(expected));
    });

    it('combines with filters and pages like any list', async () => {
      expect(await listIds(`q=espresso&priority=${PRIORITIES[5 % 4]}`)).toEqual(idOf([5]));
      const rows = await collect(tenant.adminToken, 'q=espresso&sort=created_at', 1);
      expect(ids(rows)).toEqual([tickets[2].id, tickets[5].id, tickets[11].id]);
      // The caller's access still applies.
      expect(await listIds('q=routine', agentB.token)).toEqual(idOf(TEAM_B));
      expect(await listIds('q=espresso', agentB.token)).toEqual([]);
    });
  });
});
