import { subject } from '@casl/ability';
import { buildAbility } from './ability.factory';
import { PrincipalAttributes, RoleRule } from './role-rules';

/**
 * CASL's decision for a matrix of rule sets x ticket rows, against a table written by hand.
 * The same rule sets and rows are meant to be run through rulesToSql against PostgreSQL by the
 * integration test, so that the list endpoints and the single-record checks agree.
 *
 * Abilities are built with buildAbility, the function both apps use, for this caller:
 */
const USER: PrincipalAttributes = {
  id: 'user-1',
  email: 'user-1@example.com',
  role: 'tester',
  team_ids: ['team-a', 'team-c'],
  franchise_id: 'fr-1',
  region: 'north',
};

interface TicketRow {
  id: string;
  team_id: string | null;
  franchise_id: string | null;
  region: string | null;
  linked_type: string | null;
  requester_id: string;
  is_sensitive: boolean;
  priority: string;
  escalation_level: number;
  tags: string[];
}

// prettier-ignore
const ROWS: TicketRow[] = [
  //  id       team_id   franchise  region   linked_type requester  sensitive priority    esc  tags
  row('r1',  'team-a', 'fr-1',    'north', null,       'other',   false,    'low',      0,   []),
  row('r2',  'team-a', 'fr-2',    'south', 'payment',  'other',   false,    'high',     1,   ['billing']),
  row('r3',  'team-b', 'fr-1',    'south', null,       'other',   true,     'critical', 2,   ['vip']),
  row('r4',  'team-b', null,      null,    null,       'user-1',  false,    'medium',   3,   ['spam']),
  row('r5',  'team-c', 'fr-1',    'north', 'invoice',  'other',   true,     'low',      0,   ['billing', 'eu']),
  row('r6',  null,     null,      'north', null,       'other',   false,    'critical', 1,   ['vip', 'spam']),
  row('r7',  'team-b', 'fr-2',    'north', 'refund',   'other',   false,    'low',      2,   ['billing', 'eu', 'vip']),
  row('r8',  'team-a', null,      'south', 'payment',  'user-1',  true,     'medium',   0,   ['eu']),
  row('r9',  'team-d', 'fr-3',    null,    null,       'other',   false,    'high',     3,   []),
  row('r10', 'team-c', 'fr-2',    'south', 'refund',   'other',   false,    'critical', 1,   ['vip']),
  row('r11', null,     'fr-1',    null,    'payment',  'user-1',  true,     'low',      0,   ['billing']),
  row('r12', 'team-b', 'fr-3',    'east',  null,       'other',   false,    'medium',   2,   ['spam', 'vip']),
];

function row(
  id: string,
  team_id: string | null,
  franchise_id: string | null,
  region: string | null,
  linked_type: string | null,
  requester_id: string,
  is_sensitive: boolean,
  priority: string,
  escalation_level: number,
  tags: string[],
): TicketRow {
  return { id, team_id, franchise_id, region, linked_type, requester_id, is_sensitive, priority, escalation_level, tags };
}

interface Case {
  name: string;
  rules: RoleRule[];
  /** One letter per row r1..r12: Y = readable, n = not. */
  expected: string;
}

const read = (conditions?: Record<string, unknown>): RoleRule => ({ action: 'read', subject: 'Ticket', ...(conditions ? { conditions } : {}) });
const cannotRead = (conditions?: Record<string, unknown>): RoleRule => ({ ...read(conditions), inverted: true });

// prettier-ignore
const CASES: Case[] = [
  //                                                                                                          r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 r11 r12
  { name: 'team_id $in ${user.team_ids} (team-a, team-c)',
    rules: [read({ team_id: { $in: '${user.team_ids}' } })],                                         expected: 'Y  Y  n  n  Y  n  n  Y  n  Y   n   n' },
  { name: 'region = ${user.region} (north); NULL region never matches',
    rules: [read({ region: '${user.region}' })],                                                      expected: 'Y  n  n  n  Y  Y  Y  n  n  n   n   n' },
  { name: 'two can rules: franchise_id = fr-1 OR requester_id = user-1',
    rules: [read({ franchise_id: '${user.franchise_id}' }), read({ requester_id: '${user.id}' })],  expected: 'Y  n  Y  Y  Y  n  n  Y  n  n   Y   n' },
  { name: 'can all, then cannot is_sensitive',
    rules: [read(), cannotRead({ is_sensitive: true })],                                              expected: 'Y  Y  n  Y  n  Y  Y  n  Y  Y   n   Y' },
  { name: 'can my teams, then cannot linked_type payment',
    rules: [read({ team_id: { $in: '${user.team_ids}' } }), cannotRead({ linked_type: 'payment' })],   expected: 'Y  n  n  n  Y  n  n  n  n  Y   n   n' },
  { name: 'cannot is_sensitive, then can my teams: the later can wins (sensitive team rows stay)',
    rules: [cannotRead({ is_sensitive: true }), read({ team_id: { $in: '${user.team_ids}' } })],    expected: 'Y  Y  n  n  Y  n  n  Y  n  Y   n   n' },
  { name: 'region $ne south: NULL regions are kept',
    rules: [read({ region: { $ne: 'south' } })],                                                      expected: 'Y  n  n  Y  Y  Y  Y  n  Y  n   Y   Y' },
  { name: 'tags holds vip, then cannot tags $in [spam]',
    rules: [read({ tags: 'vip' }), cannotRead({ tags: { $in: ['spam'] } })],                          expected: 'n  n  Y  n  n  n  Y  n  n  Y   n   n' },
  { name: 'linked_type $in [payment, null] AND priority $in [high, critical]',
    rules: [read({ linked_type: { $in: ['payment', null] }, priority: { $in: ['high', 'critical'] } })], expected: 'n  Y  Y  n  n  Y  n  n  Y  n   n   n' },
  { name: 'tags $all [billing, eu] OR team_id null',
    rules: [read({ tags: { $all: ['billing', 'eu'] } }), read({ team_id: null })],                    expected: 'n  n  n  n  Y  Y  Y  n  n  n   Y   n' },
  { name: 'franchise_id null, then cannot requester_id = ${user.id}',
    rules: [read({ franchise_id: null }), cannotRead({ requester_id: '${user.id}' })],                expected: 'n  n  n  n  n  Y  n  n  n  n   n   n' },
  { name: 'escalation_level $gte 1 and $lt 3',
    rules: [read({ escalation_level: { $gte: 1, $lt: 3 } })],                                         expected: 'n  Y  Y  n  n  Y  Y  n  n  Y   n   Y' },
  { name: 'region $nin [south, null]',
    rules: [read({ region: { $nin: ['south', null] } })],                                             expected: 'Y  n  n  n  Y  Y  Y  n  n  n   n   Y' },
  { name: 'can my teams, can sensitive, then an unconditional cannot: nothing',
    rules: [read({ team_id: { $in: '${user.team_ids}' } }), read({ is_sensitive: true }), cannotRead()], expected: 'n  n  n  n  n  n  n  n  n  n   n   n' },
  { name: 'no rule for read at all',
    rules: [{ action: 'update', subject: 'Ticket' }, { action: 'read', subject: 'Message' }],         expected: 'n  n  n  n  n  n  n  n  n  n   n   n' },
];

/**
 * Compound operators. rulesToSql translates them (and validateRoleRules accepts them), so CASL
 * must evaluate them the same way; expectations follow MongoDB semantics, as the SQL does.
 */
// prettier-ignore
const COMPOUND_CASES: Case[] = [
  //                                                                                                          r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 r11 r12
  { name: '$or: team_id team-b OR priority critical',
    rules: [read({ $or: [{ team_id: 'team-b' }, { priority: 'critical' }] })],                         expected: 'n  n  Y  Y  n  Y  Y  n  n  Y   n   Y' },
  { name: '$not: region not in [north, south] (NULL regions match)',
    rules: [read({ region: { $not: { $in: ['north', 'south'] } } })],                                 expected: 'n  n  n  Y  n  n  n  n  Y  n   Y   Y' },
  { name: 'can all, then cannot $or [is_sensitive, linked_type payment]',
    rules: [read(), cannotRead({ $or: [{ is_sensitive: true }, { linked_type: 'payment' }] })],       expected: 'Y  n  n  Y  n  Y  Y  n  Y  Y   n   Y' },
  { name: '$nor [is_sensitive, linked_type payment]',
    rules: [read({ $nor: [{ is_sensitive: true }, { linked_type: 'payment' }] })],                    expected: 'Y  n  n  Y  n  Y  Y  n  Y  Y   n   Y' },
  { name: '$and [team in my teams, not sensitive]',
    rules: [read({ $and: [{ team_id: { $in: '${user.team_ids}' } }, { is_sensitive: false }] })],     expected: 'Y  Y  n  n  n  n  n  n  n  Y   n   n' },
];

function parse(expected: string): boolean[] {
  const cells = expected.trim().split(/\s+/);
  if (cells.length !== ROWS.length || cells.some((c) => c !== 'Y' && c !== 'n')) throw new Error(`bad expectation row: ${expected}`);
  return cells.map((c) => c === 'Y');
}

function decisions(rules: RoleRule[]): Record<string, boolean> {
  const ability = buildAbility(rules, USER);
  return Object.fromEntries(ROWS.map((r) => [r.id, ability.can('read', subject('Ticket', { ...r }))]));
}

function expectedDecisions(expected: string): Record<string, boolean> {
  const values = parse(expected);
  return Object.fromEntries(ROWS.map((r, i) => [r.id, values[i]]));
}

describe('CASL decisions for rule sets x ticket rows (the table the SQL must reproduce)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, { rules, expected }) => {
    expect(decisions(rules)).toEqual(expectedDecisions(expected));
  });
});

describe('CASL decisions for compound operators ($or, $and, $nor, $not) that rulesToSql translates', () => {
  it.each(COMPOUND_CASES.map((c) => [c.name, c] as const))('%s', (_, { rules, expected }) => {
    expect(decisions(rules)).toEqual(expectedDecisions(expected));
  });
});

describe('the matrix itself', () => {
  it('has twelve distinct rows with NULLs in franchise_id, region and linked_type', () => {
    expect(new Set(ROWS.map((r) => r.id)).size).toBe(12);
    expect(ROWS.filter((r) => r.franchise_id === null).length).toBeGreaterThan(0);
    expect(ROWS.filter((r) => r.region === null).length).toBeGreaterThan(0);
    expect(ROWS.filter((r) => r.linked_type === null).length).toBeGreaterThan(0);
  });

  it('has a well-formed expectation for every case', () => {
    for (const c of [...CASES, ...COMPOUND_CASES]) expect(parse(c.expected)).toHaveLength(12);
  });
});
