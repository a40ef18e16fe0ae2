import { DataSource } from 'typeorm';
import { buildAbility, DEFAULT_ROLE_RULES, PrincipalAttributes, RoleRule, rulesToSql, subjectOf, SUBJECT_FIELDS } from '@helpdesk/access';
import { createDataSource } from '@helpdesk/database';
import { ApiKeyScope, SeededRole } from '@helpdesk/domain';
import { testDatabaseUrl, uniqueSlug } from '@helpdesk/testing';

/**
 * The agreement test: for every rule set, the tickets a list query selects with the SQL that
 * rulesToSql produces are exactly the tickets CASL lets the caller read one by one, on real
 * PostgreSQL (NULLs, arrays, uuid columns and all), each row judged as the database returns it.
 */

const TEAM_LETTERS = ['a', 'b', 'c', 'd'] as const;
type TeamLetter = (typeof TEAM_LETTERS)[number];
type Who = 'me' | 'other' | null;

interface Fixture {
  label: string;
  team: TeamLetter | null;
  franchise_id: string | null;
  region: string | null;
  linked_type: string | null;
  requester: Who;
  assignee: Who;
  is_sensitive: boolean;
  priority: 'low' | 'medium' | 'high' | 'critical';
  escalation_level: number;
  tags: string[];
  status: string;
  archived: boolean;
  owner_role: string | null;
}

function t(
  label: string,
  team: TeamLetter | null,
  franchise_id: string | null,
  region: string | null,
  linked_type: string | null,
  requester: Who,
  is_sensitive: boolean,
  priority: Fixture['priority'],
  escalation_level: number,
  tags: string[],
  extra: Partial<Pick<Fixture, 'assignee' | 'status' | 'archived' | 'owner_role'>> = {},
): Fixture {
  return {
    label,
    team,
    franchise_id,
    region,
    linked_type,
    requester,
    is_sensitive,
    priority,
    escalation_level,
    tags,
    assignee: extra.assignee ?? null,
    status: extra.status ?? 'new',
    archived: extra.archived ?? false,
    owner_role: extra.owner_role ?? null,
  };
}

// prettier-ignore
const FIXTURES: Fixture[] = [
  //   label   team  franchise region   linked     requester sensitive priority  esc tags
  t('r1',  'a',  'fr-1',  'north', null,      'other', false, 'low',      0, []),
  t('r2',  'a',  'fr-2',  'south', 'payment', 'other', false, 'high',     1, ['billing']),
  t('r3',  'b',  'fr-1',  'south', null,      'other', true,  'critical', 2, ['vip'], { status: 'open', assignee: 'me' }),
  t('r4',  'b',  null,    null,    null,      'me',    false, 'medium',   3, ['spam']),
  t('r5',  'c',  'fr-1',  'north', 'invoice', 'other', true,  'low',      0, ['billing', 'eu'], { owner_role: 'finance' }),
  t('r6',  null, null,    'north', null,      'other', false, 'critical', 1, ['vip', 'spam']),
  t('r7',  'b',  'fr-2',  'north', 'refund',  'other', false, 'low',      2, ['billing', 'eu', 'vip'], { status: 'resolved' }),
  t('r8',  'a',  null,    'south', 'payment', 'me',    true,  'medium',   0, ['eu']),
  t('r9',  'd',  'fr-3',  null,    null,      'other', false, 'high',     3, []),
  t('r10', 'c',  'fr-2',  'south', 'refund',  'other', false, 'critical', 1, ['vip'], { archived: true }),
  t('r11', null, 'fr-1',  null,    'payment', 'me',    true,  'low',      0, ['billing']),
  t('r12', 'b',  'fr-3',  'east',  null,      'other', false, 'medium',   2, ['spam', 'vip']),
  t('r13', null, null,    null,    null,      null,    false, 'low',      0, [], { status: 'closed' }),
  t('r14', 'c',  'fr-1',  'north', 'payment', 'me',    false, 'high',     4, ['eu', 'vip'], { assignee: 'me', owner_role: 'ops_agent' }),
  t('r15', 'd',  null,    'east',  'invoice', null,    true,  'critical', 5, ['billing', 'spam'], { status: 'in_progress' }),
  t('r16', 'a',  'fr-3',  null,    'refund',  'other', false, 'medium',   1, ['eu', 'billing'], { assignee: 'other' }),
  t('r17', null, 'fr-2',  'south', null,      'me',    false, 'high',     0, ['vip', 'eu', 'spam']),
  t('r18', 'b',  'fr-1',  'north', 'payment', 'other', true,  'medium',   2, [], { archived: true, status: 'closed' }),
  t('r19', 'c',  null,    'south', null,      'other', false, 'low',      3, ['spam'], { owner_role: 'finance' }),
  t('r20', 'd',  'fr-2',  'north', 'invoice', 'me',    false, 'critical', 0, ['billing', 'vip']),
];
const ALL_LABELS = FIXTURES.map((f) => f.label);

interface Context {
  me: PrincipalAttributes;
  /** The same caller without franchise and region: placeholders naming them must not widen access. */
  meWithoutFranchise: PrincipalAttributes;
  ticketIds: Record<string, string>;
  teamIds: Record<TeamLetter, string>;
}

interface Case {
  name: string;
  rules: (context: Context) => RoleRule[];
  user?: (context: Context) => PrincipalAttributes;
  scopes?: ApiKeyScope[];
  /** Hand-written expectation (labels), so that the test cannot pass by both sides being empty. */
  expected?: string[];
}

const read = (conditions?: Record<string, unknown>, extra: Partial<RoleRule> = {}): RoleRule => ({
  action: 'read',
  subject: 'Ticket',
  ...(conditions ? { conditions } : {}),
  ...extra,
});
const cannotRead = (conditions?: Record<string, unknown>, extra: Partial<RoleRule> = {}): RoleRule => read(conditions, { ...extra, inverted: true });
const MY_TEAMS = { team_id: { $in: '${user.team_ids}' } };

const CASES: Case[] = [
  { name: 'empty rule set: nothing', rules: () => [], expected: [] },
  { name: 'unconditional can: everything', rules: () => [read()], expected: ALL_LABELS },
  {
    name: 'no rule for read Ticket (other actions and subjects only): nothing',
    rules: () => [
      { action: 'update', subject: 'Ticket' },
      { action: 'read', subject: 'Message' },
    ],
    expected: [],
  },
  {
    name: 'team_id $in ${user.team_ids} (a, c); NULL team never matches',
    rules: () => [read(MY_TEAMS)],
    expected: ['r1', 'r2', 'r5', 'r8', 'r10', 'r14', 'r16', 'r19'],
  },
  { name: 'region = ${user.region}', rules: () => [read({ region: '${user.region}' })] },
  {
    name: 'two can rules: franchise_id = ${user.franchise_id} OR requester_id = ${user.id}',
    rules: () => [read({ franchise_id: '${user.franchise_id}' }), read({ requester_id: '${user.id}' })],
  },
  { name: 'can all, then cannot is_sensitive', rules: () => [read(), cannotRead({ is_sensitive: true })] },
  { name: 'can my teams, then cannot linked_type payment', rules: () => [read(MY_TEAMS), cannotRead({ linked_type: 'payment' })] },
  { name: 'cannot is_sensitive, then can my teams: the later can wins', rules: () => [cannotRead({ is_sensitive: true }), read(MY_TEAMS)] },
  { name: 'region $ne south: NULL regions are kept', rules: () => [read({ region: { $ne: 'south' } })] },
  { name: 'team_id $ne null, priority $eq high', rules: () => [read({ team_id: { $ne: null }, priority: { $eq: 'high' } })] },
  { name: 'region $nin [south, null]', rules: () => [read({ region: { $nin: ['south', null] } })] },
  { name: 'franchise_id $nin [fr-1] keeps NULL franchises', rules: () => [read({ franchise_id: { $nin: ['fr-1'] } })] },
  {
    name: 'linked_type $in [payment, null] AND priority $in [high, critical]',
    rules: () => [read({ linked_type: { $in: ['payment', null] }, priority: { $in: ['high', 'critical'] } })],
  },
  { name: 'linked_type $in [] grants nothing', rules: () => [read({ linked_type: { $in: [] } })], expected: [] },
  { name: 'tags holds vip, then cannot tags $in [spam]', rules: () => [read({ tags: 'vip' }), cannotRead({ tags: { $in: ['spam'] } })] },
  { name: 'tags $all [billing, eu] OR team_id null', rules: () => [read({ tags: { $all: ['billing', 'eu'] } }), read({ team_id: null })] },
  { name: 'tags $ne spam, tags $size 2', rules: () => [read({ tags: { $ne: 'spam' } }), cannotRead({ tags: { $size: 2 } })] },
  { name: 'tags $nin [vip, eu] (empty arrays match)', rules: () => [read({ tags: { $nin: ['vip', 'eu'] } })] },
  {
    name: 'escalation_level $gte 1 and $lt 3, or $gt 4',
    rules: () => [read({ escalation_level: { $gte: 1, $lt: 3 } }), read({ escalation_level: { $gt: 4 } })],
  },
  {
    name: 'escalation_level $lte 0 with cannot $lte 0 on archived',
    rules: () => [read({ escalation_level: { $lte: 0 } }), cannotRead({ archived: true }), read({ archived: true, escalation_level: { $lt: 2 } })],
  },
  { name: 'franchise_id null, then cannot requester_id = ${user.id}', rules: () => [read({ franchise_id: null }), cannotRead({ requester_id: '${user.id}' })] },
  {
    name: 'assigned to me or requested by me, but not closed or resolved',
    rules: () => [read({ assignee_id: '${user.id}' }), read({ requester_id: '${user.id}' }), cannotRead({ status: { $in: ['closed', 'resolved'] } })],
  },
  {
    name: 'owner_role = ${user.role}, status $ne new, sla_state on_track, source api',
    rules: () => [read({ owner_role: '${user.role}' }), read({ status: { $ne: 'new' }, sla_state: 'on_track', source: 'api' })],
  },
  {
    name: 'id $in a hand-picked list, linked_id null',
    rules: (c) => [read({ id: { $in: [c.ticketIds.r3, c.ticketIds.r9, c.ticketIds.r17] }, linked_id: null })],
    expected: ['r3', 'r9', 'r17'],
  },
  { name: 'team_id = a literal team id', rules: (c) => [read({ team_id: c.teamIds.d })], expected: ['r9', 'r15', 'r20'] },
  {
    name: 'can my teams, can sensitive, then an unconditional cannot: nothing',
    rules: () => [read(MY_TEAMS), read({ is_sensitive: true }), cannotRead()],
    expected: [],
  },
  {
    name: 'a field-restricted cannot does not restrict reading the ticket',
    rules: () => [read(), cannotRead({ is_sensitive: true }, { fields: ['description'] })],
    expected: ALL_LABELS,
  },
  {
    name: 'read granted through an action list and subject list',
    rules: () => [{ action: ['update', 'read'], subject: ['Message', 'Ticket'], conditions: { priority: 'critical' } }],
  },
  { name: 'manage all', rules: () => [{ action: 'manage', subject: 'all' }, cannotRead({ linked_type: 'payment' })] },
  // Compound operators.
  { name: '$or: team b OR priority critical', rules: (c) => [read({ $or: [{ team_id: c.teamIds.b }, { priority: 'critical' }] })] },
  { name: '$or with an inner $in placeholder, and a sibling condition', rules: () => [read({ $or: [MY_TEAMS, { region: 'east' }], is_sensitive: false })] },
  { name: '$not: region not in [north, south] (NULL regions match)', rules: () => [read({ region: { $not: { $in: ['north', 'south'] } } })] },
  { name: '$not $eq null on franchise_id', rules: () => [read({ franchise_id: { $not: { $eq: null } } })] },
  { name: '$not of $ne (double negation) on linked_type', rules: () => [read({ linked_type: { $not: { $ne: 'refund' } } })] },
  {
    name: 'can all, then cannot $or [is_sensitive, linked_type payment]',
    rules: () => [read(), cannotRead({ $or: [{ is_sensitive: true }, { linked_type: 'payment' }] })],
  },
  { name: '$nor [is_sensitive, linked_type payment]', rules: () => [read({ $nor: [{ is_sensitive: true }, { linked_type: 'payment' }] })] },
  { name: '$and [my teams, not sensitive]', rules: () => [read({ $and: [MY_TEAMS, { is_sensitive: false }] })] },
  {
    name: 'nesting: $or of $and and $nor, with $not inside',
    rules: () => [
      read({
        $or: [
          { $and: [{ region: { $in: ['north', null] } }, { escalation_level: { $gte: 2 } }] },
          { $nor: [{ franchise_id: { $ne: null } }, { tags: 'spam' }], priority: { $not: { $in: ['low'] } } },
        ],
      }),
      cannotRead({ $and: [{ archived: true }, { $or: [{ is_sensitive: true }, { region: { $not: { $eq: 'south' } } }] }] }),
    ],
  },
  // The caller without franchise and region: `can` rules naming them grant nothing, `cannot` rules deny everything.
  {
    name: 'user with null franchise: can franchise_id = ${user.franchise_id} grants nothing',
    user: (c) => c.meWithoutFranchise,
    rules: () => [read({ franchise_id: '${user.franchise_id}' })],
    expected: [],
  },
  {
    name: 'user with null franchise: a can on teams stays, a cannot naming the franchise denies all',
    user: (c) => c.meWithoutFranchise,
    rules: () => [read(MY_TEAMS), cannotRead({ franchise_id: '${user.franchise_id}' })],
    expected: [],
  },
  {
    name: 'user with null franchise: can my teams OR my region (region missing too)',
    user: (c) => c.meWithoutFranchise,
    rules: () => [read(MY_TEAMS), read({ region: '${user.region}' })],
    expected: ['r1', 'r2', 'r5', 'r8', 'r10', 'r14', 'r16', 'r19'],
  },
  // An API key: the role's rules narrowed to its scopes.
  { name: 'API key with tickets:read over auditor rules', rules: () => DEFAULT_ROLE_RULES.auditor, scopes: ['tickets:read'], expected: ALL_LABELS },
  { name: 'API key without a ticket-reading scope', rules: () => DEFAULT_ROLE_RULES.hq_support, scopes: ['tickets:write'], expected: [] },
  // Every seeded role, as the apps build it.
  ...(Object.keys(DEFAULT_ROLE_RULES) as SeededRole[]).map((role): Case => ({ name: `seeded role ${role}`, rules: () => DEFAULT_ROLE_RULES[role] })),
  ...(Object.keys(DEFAULT_ROLE_RULES) as SeededRole[]).map((role): Case => ({
    name: `seeded role ${role}, caller without franchise and region`,
    user: (c) => c.meWithoutFranchise,
    rules: () => DEFAULT_ROLE_RULES[role],
  })),
];

const TICKET_COLUMNS = Object.keys(SUBJECT_FIELDS.Ticket);

describe('rulesToSql agrees with CASL on real PostgreSQL', () => {
  let dataSource: DataSource;
  let tenantId: string;
  const context = {} as Context;
  /** Every ticket of the tenant, as the database returns it, by id. */
  let rows: Map<string, Record<string, unknown>>;
  let labelOf: Map<string, string>;

  beforeAll(async () => {
    dataSource = await createDataSource(testDatabaseUrl(), 2).initialize();
    const slug = uniqueSlug('acl');
    const query = (sql: string, params: unknown[]) => dataSource.query(sql, params);
    [{ id: tenantId }] = await query('INSERT INTO tenants (name, slug) VALUES ($1, $2) RETURNING id', [`ACL ${slug}`, slug]);
    await query(`INSERT INTO roles (tenant_id, name, rules) VALUES ($1, 'tester', '[]')`, [tenantId]);
    context.teamIds = {} as Record<TeamLetter, string>;
    for (const letter of TEAM_LETTERS) {
      [{ id: context.teamIds[letter] }] = await query('INSERT INTO teams (tenant_id, name) VALUES ($1, $2) RETURNING id', [tenantId, `Team ${letter}`]);
    }
    const userIds: Record<'me' | 'other', string> = { me: '', other: '' };
    for (const who of ['me', 'other'] as const) {
      [{ id: userIds[who] }] = await query(`INSERT INTO users (tenant_id, email, name, role) VALUES ($1, $2, $3, 'tester') RETURNING id`, [
        tenantId,
        `${who}@${slug}.test`,
        who,
      ]);
    }
    context.me = {
      id: userIds.me,
      email: `me@${slug}.test`,
      role: 'ops_agent',
      team_ids: [context.teamIds.a, context.teamIds.c],
      franchise_id: 'fr-1',
      region: 'north',
    };
    context.meWithoutFranchise = { ...context.me, franchise_id: null, region: null };

    context.ticketIds = {};
    for (const f of FIXTURES) {
      const [{ id }] = await query(
        `INSERT INTO tickets (tenant_id, title, type, priority, status, team_id, franchise_id, region, linked_type, linked_id,
                              requester_id, assignee_id, is_sensitive, escalation_level, tags, archived, owner_role)
         VALUES ($1, $2, 'support', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
        [
          tenantId,
          f.label,
          f.priority,
          f.status,
          f.team ? context.teamIds[f.team] : null,
          f.franchise_id,
          f.region,
          f.linked_type,
          f.linked_type ? `${f.linked_type}-${f.label}` : null,
          f.requester ? userIds[f.requester] : null,
          f.assignee ? userIds[f.assignee] : null,
          f.is_sensitive,
          f.escalation_level,
          f.tags,
          f.archived,
          f.owner_role,
        ],
      );
      context.ticketIds[f.label] = id;
    }
    // A ticket of another tenant, which the tenant filter must keep out whatever the rules say.
    const otherSlug = uniqueSlug('acl');
    const [{ id: otherTenant }] = await query('INSERT INTO tenants (name, slug) VALUES ($1, $2) RETURNING id', [`ACL ${otherSlug}`, otherSlug]);
    await query(`INSERT INTO tickets (tenant_id, title, type, priority, franchise_id, region) VALUES ($1, 'foreign', 'bug', 'low', 'fr-1', 'north')`, [
      otherTenant,
    ]);

    const stored: Array<Record<string, unknown>> = await query(
      `SELECT ${TICKET_COLUMNS.map((c) => `t."${c}"`).join(', ')}, t.title FROM tickets t WHERE t.tenant_id = $1`,
      [tenantId],
    );
    rows = new Map(stored.map(({ title, ...row }) => [row.id as string, row]));
    labelOf = new Map(stored.map((row) => [row.id as string, row.title as string]));
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  it('has the fixture it means to have: twenty tickets read back with every subject field, NULLs included', () => {
    expect(rows.size).toBe(FIXTURES.length);
    for (const row of rows.values()) expect(Object.keys(row).sort()).toEqual([...TICKET_COLUMNS].sort());
    const values = (field: string) => [...rows.values()].map((r) => r[field]);
    for (const field of ['team_id', 'franchise_id', 'region', 'linked_type', 'requester_id', 'assignee_id', 'owner_role'])
      expect(values(field)).toContain(null);
    expect(values('linked_type')).toContain('payment');
    expect(new Set(values('is_sensitive'))).toEqual(new Set([true, false]));
    expect(values('tags')).toContainEqual([]);
    expect(values('escalation_level')).toContain(5);
  });

  async function selectedBySql(rules: RoleRule[], user: PrincipalAttributes, scopes?: ApiKeyScope[]): Promise<string[]> {
    const ability = buildAbility(rules, user, scopes);
    const { sql, params } = rulesToSql(ability, 'read', 'Ticket', { alias: 't', fields: SUBJECT_FIELDS.Ticket });
    const selected: Array<{ id: string }> = await dataSource
      .createQueryBuilder()
      .select('t.id', 'id')
      .from('tickets', 't')
      .where('t.tenant_id = :tenant', { tenant: tenantId })
      .andWhere(`(${sql})`, params)
      .getRawMany();
    return selected.map((r) => labelOf.get(r.id) ?? `foreign ticket ${r.id}`).sort(byLabel);
  }

  function allowedByCasl(rules: RoleRule[], user: PrincipalAttributes, scopes?: ApiKeyScope[]): string[] {
    const ability = buildAbility(rules, user, scopes);
    return [...rows.entries()]
      .filter(([, row]) => ability.can('read', subjectOf('Ticket', row)))
      .map(([id]) => labelOf.get(id)!)
      .sort(byLabel);
  }

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const rules = c.rules(context);
    const user = c.user ? c.user(context) : context.me;
    const bySql = await selectedBySql(rules, user, c.scopes);
    const byCasl = allowedByCasl(rules, user, c.scopes);
    expect(bySql).toEqual(byCasl);
    if (c.expected) expect(bySql).toEqual([...c.expected].sort(byLabel));
  });

  it('is not vacuous: the rule sets select many different sets of tickets', async () => {
    const distinct = new Set<string>();
    for (const c of CASES) distinct.add((await selectedBySql(c.rules(context), c.user ? c.user(context) : context.me, c.scopes)).join(','));
    expect(distinct.size).toBeGreaterThan(CASES.length / 2);
  });
});

function byLabel(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b);
}
