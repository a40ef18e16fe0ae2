import { createMongoAbility, subject } from '@casl/ability';
import { buildAbility } from './ability.factory';
import { PrincipalAttributes, RoleRule } from './role-rules';
import { rulesToSql, SqlCondition, UnsupportedConditionError } from './rules-to-sql';
import { SUBJECT_FIELDS } from './subject-fields';

/**
 * Hand-written expectations for the rules-to-SQL translation. Column references are always
 * `"alias"."column"`, parameters are numbered `:acl_0`, `:acl_1`, ... in the order the rules are
 * declared (first rule first) and, inside a rule, in the order the conditions are written.
 */

const TICKET = { alias: 't', fields: SUBJECT_FIELDS.Ticket };

function ability(rules: RoleRule[]) {
  return createMongoAbility(rules as never);
}

function ticketSql(rules: RoleRule[], action = 'read', options: { paramPrefix?: string; field?: string } = {}): SqlCondition {
  return rulesToSql(ability(rules), action, 'Ticket', { ...TICKET, ...options });
}

function readTicketsWhere(conditions: Record<string, unknown>): SqlCondition {
  return ticketSql([{ action: 'read', subject: 'Ticket', conditions }]);
}

/**
 * Writes the parameters into the SQL as literals, so that a test can state the meaning of a
 * condition without depending on how the parameters are numbered. Fails on a placeholder that
 * has no parameter.
 */
function inline({ sql, params }: SqlCondition): string {
  return sql.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`placeholder :${name} has no parameter`);
    return literal(params[name]);
  });
}

function literal(value: unknown): string {
  if (Array.isArray(value)) return `{${value.map(literal).join(',')}}`;
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

const USER: PrincipalAttributes = {
  id: 'user-1',
  email: 'user-1@example.com',
  role: 'tester',
  team_ids: ['team-a'],
  franchise_id: 'fr-1',
  region: 'north',
};

/** A full ticket row as the database returns it: every column present, NULLs as null. */
function row(overrides: Record<string, unknown> = {}) {
  return subject('Ticket', {
    id: 'ticket-1',
    status: 'open',
    priority: 'medium',
    type: 'support',
    source: 'email',
    requester_id: 'someone',
    assignee_id: null,
    team_id: 'team-a',
    owner_role: null,
    franchise_id: 'fr-1',
    region: 'north',
    linked_type: null,
    linked_id: null,
    is_sensitive: false,
    archived: false,
    sla_state: 'on_track',
    escalation_level: 0,
    tags: [] as string[],
    ...overrides,
  });
}

describe('rulesToSql', () => {
  describe('rule sets that grant nothing or everything', () => {
    it('gives FALSE when the ability has no rules at all', () => {
      expect(ticketSql([])).toEqual({ sql: 'FALSE', params: {} });
    });

    it('gives FALSE when the rules only concern another subject', () => {
      expect(
        ticketSql([
          { action: 'read', subject: 'Message' },
          { action: 'manage', subject: 'User' },
        ]),
      ).toEqual({ sql: 'FALSE', params: {} });
    });

    it('gives FALSE when the rules only concern another action on the subject', () => {
      expect(
        ticketSql(
          [
            { action: 'update', subject: 'Ticket' },
            { action: 'create', subject: 'Ticket' },
          ],
          'read',
        ),
      ).toEqual({ sql: 'FALSE', params: {} });
    });

    it('gives FALSE when the only rules are cannot rules', () => {
      expect(ticketSql([{ action: 'read', subject: 'Ticket', inverted: true }]).sql).toBe('FALSE');
    });

    it('gives TRUE for an unconditional can on the action and subject', () => {
      expect(ticketSql([{ action: 'read', subject: 'Ticket' }])).toEqual({ sql: 'TRUE', params: {} });
    });

    it('gives TRUE for the wildcards: manage all, manage Ticket, read all', () => {
      expect(ticketSql([{ action: 'manage', subject: 'all' }]).sql).toBe('TRUE');
      expect(ticketSql([{ action: 'manage', subject: 'Ticket' }]).sql).toBe('TRUE');
      expect(ticketSql([{ action: 'read', subject: 'all' }]).sql).toBe('TRUE');
    });

    it('gives TRUE when an unconditional can sits beside conditional ones', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket' },
      ]);
      expect(result.sql).toBe('TRUE');
    });

    it('treats empty conditions as unconditional', () => {
      expect(readTicketsWhere({}).sql).toBe('TRUE');
    });
  });

  describe('a field (only the rules that let the caller read it)', () => {
    const rules: RoleRule[] = [
      { action: 'read', subject: 'Ticket', fields: ['title', 'status'], conditions: { requester_id: 'me' } },
      { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
    ];

    it('keeps a fielded rule for a field it lists, and a rule without fields for every field', () => {
      expect(ticketSql(rules, 'read', { field: 'status' })).toEqual(ticketSql(rules));
      expect(ticketSql(rules, 'read', { field: 'sla_state' })).toEqual(ticketSql([rules[1]]));
    });

    it('gives FALSE for a field that no rule lets the caller read', () => {
      expect(ticketSql([rules[0]], 'read', { field: 'owner_role' }).sql).toBe('FALSE');
      expect(ticketSql([rules[0]], 'read', { field: 'title' }).sql).not.toBe('FALSE');
    });
  });

  describe('scalar equality', () => {
    it('translates a plain value to = with a parameter', () => {
      expect(readTicketsWhere({ team_id: 'team-a' })).toEqual({ sql: '"t"."team_id" = :acl_0', params: { acl_0: 'team-a' } });
    });

    it('translates an explicit $eq the same way', () => {
      expect(readTicketsWhere({ status: { $eq: 'open' } })).toEqual({ sql: '"t"."status" = :acl_0', params: { acl_0: 'open' } });
    });

    it('keeps booleans and numbers as parameters of their own type', () => {
      expect(readTicketsWhere({ is_sensitive: false })).toEqual({ sql: '"t"."is_sensitive" = :acl_0', params: { acl_0: false } });
      expect(readTicketsWhere({ escalation_level: 2 })).toEqual({ sql: '"t"."escalation_level" = :acl_0', params: { acl_0: 2 } });
    });

    it('translates null to IS NULL, with no parameter', () => {
      expect(readTicketsWhere({ franchise_id: null })).toEqual({ sql: '"t"."franchise_id" IS NULL', params: {} });
      expect(readTicketsWhere({ franchise_id: { $eq: null } })).toEqual({ sql: '"t"."franchise_id" IS NULL', params: {} });
    });

    it('joins several fields of one rule with AND, parameters in written order', () => {
      expect(readTicketsWhere({ status: 'open', team_id: 'team-a' })).toEqual({
        sql: '("t"."status" = :acl_0 AND "t"."team_id" = :acl_1)',
        params: { acl_0: 'open', acl_1: 'team-a' },
      });
    });

    it('nests AND to the left for three fields', () => {
      expect(readTicketsWhere({ status: 'open', team_id: 'team-a', region: null })).toEqual({
        sql: '(("t"."status" = :acl_0 AND "t"."team_id" = :acl_1) AND "t"."region" IS NULL)',
        params: { acl_0: 'open', acl_1: 'team-a' },
      });
    });

    it('uses the alias it is given, for any subject', () => {
      const result = rulesToSql(ability([{ action: 'read', subject: 'Message', conditions: { internal: false } }]), 'read', 'Message', {
        alias: 'm',
        fields: SUBJECT_FIELDS.Message,
      });
      expect(result).toEqual({ sql: '"m"."internal" = :acl_0', params: { acl_0: false } });
    });
  });

  describe('$ne', () => {
    it('translates $ne to IS DISTINCT FROM, so that NULL rows are kept (as CASL keeps them)', () => {
      expect(readTicketsWhere({ region: { $ne: 'south' } })).toEqual({ sql: '"t"."region" IS DISTINCT FROM :acl_0', params: { acl_0: 'south' } });
    });

    it('translates $ne: null to IS NOT NULL', () => {
      expect(readTicketsWhere({ region: { $ne: null } })).toEqual({ sql: '"t"."region" IS NOT NULL', params: {} });
    });
  });

  describe('$in and $nin', () => {
    it('translates $in to = ANY(array parameter)', () => {
      expect(readTicketsWhere({ team_id: { $in: ['team-a', 'team-b'] } })).toEqual({
        sql: '"t"."team_id" = ANY(:acl_0)',
        params: { acl_0: ['team-a', 'team-b'] },
      });
    });

    it('translates a null member of $in to OR IS NULL, and leaves it out of the parameter', () => {
      expect(readTicketsWhere({ linked_type: { $in: ['payment', null, 'refund'] } })).toEqual({
        sql: '("t"."linked_type" = ANY(:acl_0) OR "t"."linked_type" IS NULL)',
        params: { acl_0: ['payment', 'refund'] },
      });
    });

    it('translates $in: [null] to IS NULL alone', () => {
      expect(readTicketsWhere({ linked_type: { $in: [null] } })).toEqual({ sql: '"t"."linked_type" IS NULL', params: {} });
    });

    it('translates an empty $in to FALSE (it matches nothing)', () => {
      expect(readTicketsWhere({ team_id: { $in: [] } })).toEqual({ sql: 'FALSE', params: {} });
    });

    it('makes a rule with an empty $in grant nothing even beside other fields', () => {
      expect(readTicketsWhere({ status: 'open', team_id: { $in: [] } }).sql).toBe('FALSE');
    });

    it('translates $nin to a NULL-safe negation of = ANY', () => {
      expect(readTicketsWhere({ region: { $nin: ['south', 'east'] } })).toEqual({
        sql: 'NOT COALESCE("t"."region" = ANY(:acl_0), FALSE)',
        params: { acl_0: ['south', 'east'] },
      });
    });

    it('translates $nin with a null member to NOT (= ANY OR IS NULL)', () => {
      expect(readTicketsWhere({ region: { $nin: ['south', 'west', null] } })).toEqual({
        sql: 'NOT COALESCE(("t"."region" = ANY(:acl_0) OR "t"."region" IS NULL), FALSE)',
        params: { acl_0: ['south', 'west'] },
      });
    });

    it('writes a single value as plain equality, which lets PostgreSQL walk a (column, created_at) index in order', () => {
      expect(readTicketsWhere({ team_id: { $in: ['team-a'] } })).toEqual({ sql: '"t"."team_id" = :acl_0', params: { acl_0: 'team-a' } });
      expect(readTicketsWhere({ region: { $nin: ['south', null] } })).toEqual({
        sql: 'NOT COALESCE(("t"."region" = :acl_0 OR "t"."region" IS NULL), FALSE)',
        params: { acl_0: 'south' },
      });
    });

    it('translates an empty $nin to TRUE (it excludes nothing)', () => {
      expect(readTicketsWhere({ region: { $nin: [] } })).toEqual({ sql: 'TRUE', params: {} });
    });
  });

  describe('comparisons', () => {
    it.each([
      ['$gt', '>'],
      ['$gte', '>='],
      ['$lt', '<'],
      ['$lte', '<='],
    ])('translates %s to %s', (operator, sqlOperator) => {
      expect(readTicketsWhere({ escalation_level: { [operator]: 2 } })).toEqual({
        sql: `"t"."escalation_level" ${sqlOperator} :acl_0`,
        params: { acl_0: 2 },
      });
    });

    it('joins several operators on one field with AND (a range)', () => {
      expect(readTicketsWhere({ escalation_level: { $gte: 1, $lt: 3 } })).toEqual({
        sql: '("t"."escalation_level" >= :acl_0 AND "t"."escalation_level" < :acl_1)',
        params: { acl_0: 1, acl_1: 3 },
      });
    });

    it('refuses comparisons on text columns, where CASL and SQL order NULL differently', () => {
      expect(() => readTicketsWhere({ franchise_id: { $lt: 'fr-5' } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ region: { $gte: 'a' } })).toThrow(UnsupportedConditionError);
    });

    it('refuses a comparison with something other than a number', () => {
      expect(() => readTicketsWhere({ escalation_level: { $gte: new Date('2024-01-01T00:00:00Z') } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ escalation_level: { $gt: true } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ escalation_level: { $lt: null } })).toThrow(UnsupportedConditionError);
    });
  });

  describe('$exists', () => {
    it('is refused: database rows always carry every field, so CASL would always say it exists', () => {
      expect(() => readTicketsWhere({ assignee_id: { $exists: true } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ assignee_id: { $exists: false } })).toThrow(UnsupportedConditionError);
    });

    it('has null and $ne: null as its supported equivalents', () => {
      expect(readTicketsWhere({ assignee_id: null })).toEqual({ sql: '"t"."assignee_id" IS NULL', params: {} });
      expect(readTicketsWhere({ assignee_id: { $ne: null } })).toEqual({ sql: '"t"."assignee_id" IS NOT NULL', params: {} });
    });
  });

  describe('$not', () => {
    it('wraps the operators in a NULL-safe NOT', () => {
      expect(readTicketsWhere({ region: { $not: { $eq: 'north' } } })).toEqual({
        sql: 'NOT COALESCE("t"."region" = :acl_0, FALSE)',
        params: { acl_0: 'north' },
      });
    });

    it('negates the conjunction of several operators', () => {
      expect(readTicketsWhere({ escalation_level: { $not: { $gte: 1, $lte: 3 } } })).toEqual({
        sql: 'NOT COALESCE(("t"."escalation_level" >= :acl_0 AND "t"."escalation_level" <= :acl_1), FALSE)',
        params: { acl_0: 1, acl_1: 3 },
      });
    });

    it('negates an $in', () => {
      expect(readTicketsWhere({ team_id: { $not: { $in: ['team-a', 'team-b'] } } })).toEqual({
        sql: 'NOT COALESCE("t"."team_id" = ANY(:acl_0), FALSE)',
        params: { acl_0: ['team-a', 'team-b'] },
      });
    });

    it('rejects a $not that is not an object of operators', () => {
      expect(() => readTicketsWhere({ region: { $not: 'north' } })).toThrow(UnsupportedConditionError);
    });
  });

  describe('$and, $or, $nor', () => {
    it('translates $and to AND', () => {
      expect(readTicketsWhere({ $and: [{ status: 'open' }, { team_id: 'team-a' }] })).toEqual({
        sql: '("t"."status" = :acl_0 AND "t"."team_id" = :acl_1)',
        params: { acl_0: 'open', acl_1: 'team-a' },
      });
    });

    it('translates $or to OR', () => {
      expect(readTicketsWhere({ $or: [{ team_id: 'team-a' }, { region: 'north' }] })).toEqual({
        sql: '("t"."team_id" = :acl_0 OR "t"."region" = :acl_1)',
        params: { acl_0: 'team-a', acl_1: 'north' },
      });
    });

    it('translates $nor to a NULL-safe NOT of the OR', () => {
      expect(readTicketsWhere({ $nor: [{ is_sensitive: true }, { linked_type: 'payment' }] })).toEqual({
        sql: 'NOT COALESCE(("t"."is_sensitive" = :acl_0 OR "t"."linked_type" = :acl_1), FALSE)',
        params: { acl_0: true, acl_1: 'payment' },
      });
    });

    it('nests $or inside $and inside a rule with another field', () => {
      expect(
        readTicketsWhere({
          archived: false,
          $and: [{ $or: [{ team_id: 'team-a' }, { requester_id: 'user-1' }] }, { priority: { $in: ['high', 'critical'] } }],
        }),
      ).toEqual({
        sql: '("t"."archived" = :acl_0 AND (("t"."team_id" = :acl_1 OR "t"."requester_id" = :acl_2) AND "t"."priority" = ANY(:acl_3)))',
        params: { acl_0: false, acl_1: 'team-a', acl_2: 'user-1', acl_3: ['high', 'critical'] },
      });
    });

    it('nests $nor inside $or', () => {
      expect(readTicketsWhere({ $or: [{ status: 'new' }, { $nor: [{ region: 'south' }] }] })).toEqual({
        sql: '("t"."status" = :acl_0 OR NOT COALESCE("t"."region" = :acl_1, FALSE))',
        params: { acl_0: 'new', acl_1: 'south' },
      });
    });

    it('treats a single-element $or as its element', () => {
      expect(readTicketsWhere({ $or: [{ team_id: 'team-a' }] })).toEqual({ sql: '"t"."team_id" = :acl_0', params: { acl_0: 'team-a' } });
    });

    it('rejects $and/$or/$nor whose value is not an array of objects', () => {
      expect(() => readTicketsWhere({ $or: { team_id: 'team-a' } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ $and: ['team-a'] })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ $nor: [null] })).toThrow(UnsupportedConditionError);
    });
  });

  describe('array field tags (MongoDB semantics: a scalar matches when the array holds it)', () => {
    it('translates tags: value to value = ANY(column)', () => {
      expect(readTicketsWhere({ tags: 'vip' })).toEqual({ sql: ':acl_0 = ANY("t"."tags")', params: { acl_0: 'vip' } });
      expect(readTicketsWhere({ tags: { $eq: 'vip' } })).toEqual({ sql: ':acl_0 = ANY("t"."tags")', params: { acl_0: 'vip' } });
    });

    it('translates $in to the overlap operator &&', () => {
      expect(readTicketsWhere({ tags: { $in: ['vip', 'urgent'] } })).toEqual({ sql: '"t"."tags" && :acl_0', params: { acl_0: ['vip', 'urgent'] } });
    });

    it('translates an empty $in to FALSE', () => {
      expect(readTicketsWhere({ tags: { $in: [] } })).toEqual({ sql: 'FALSE', params: {} });
    });

    it('translates $all to the containment operator @>', () => {
      expect(readTicketsWhere({ tags: { $all: ['billing', 'eu'] } })).toEqual({ sql: '"t"."tags" @> :acl_0', params: { acl_0: ['billing', 'eu'] } });
    });

    it('translates $nin to a NULL-safe NOT of the overlap', () => {
      expect(readTicketsWhere({ tags: { $nin: ['spam'] } })).toEqual({ sql: 'NOT COALESCE("t"."tags" && :acl_0, FALSE)', params: { acl_0: ['spam'] } });
    });

    it('translates an empty $nin to TRUE', () => {
      expect(readTicketsWhere({ tags: { $nin: [] } })).toEqual({ sql: 'TRUE', params: {} });
    });

    it('translates $ne to a NULL-safe NOT of = ANY', () => {
      expect(readTicketsWhere({ tags: { $ne: 'spam' } })).toEqual({ sql: 'NOT COALESCE(:acl_0 = ANY("t"."tags"), FALSE)', params: { acl_0: 'spam' } });
    });

    it('translates $size to cardinality()', () => {
      expect(readTicketsWhere({ tags: { $size: 2 } })).toEqual({ sql: 'cardinality("t"."tags") = :acl_0', params: { acl_0: 2 } });
    });

    it('rejects operators that make no sense on an array column', () => {
      expect(() => readTicketsWhere({ tags: { $gt: 'a' } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ tags: { $elemMatch: { $eq: 'vip' } } })).toThrow(UnsupportedConditionError);
    });

    it('rejects whole-array equality (tags: [..]) rather than guessing', () => {
      expect(() => readTicketsWhere({ tags: ['vip', 'eu'] })).toThrow(UnsupportedConditionError);
    });
  });

  describe('several rules (CASL: among the rules matching a row, the last declared wins)', () => {
    it('ORs several can rules, parameters numbered in declaration order', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { region: 'north' } },
        { action: 'read', subject: 'Ticket', conditions: { requester_id: 'user-1' } },
      ]);
      expect(result).toEqual({
        sql: '(("t"."team_id" = :acl_0 OR "t"."region" = :acl_1) OR "t"."requester_id" = :acl_2)',
        params: { acl_0: 'team-a', acl_1: 'north', acl_2: 'user-1' },
      });
    });

    it('subtracts a cannot rule declared after a can with AND NOT COALESCE', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
      ]);
      expect(result).toEqual({
        sql: '("t"."team_id" = :acl_0 AND NOT COALESCE("t"."is_sensitive" = :acl_1, FALSE))',
        params: { acl_0: 'team-a', acl_1: true },
      });
    });

    it('subtracts a cannot from an unconditional can', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', conditions: { linked_type: 'payment' }, inverted: true },
      ]);
      expect(result).toEqual({ sql: 'NOT COALESCE("t"."linked_type" = :acl_0, FALSE)', params: { acl_0: 'payment' } });
    });

    it('lets a can declared after a cannot win: no negation at all', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
      ]);
      expect(result.sql).not.toContain('NOT');
      expect(inline(result)).toBe(`"t"."team_id" = 'team-a'`);
    });

    it('keeps rows a later can re-grants after a cannot: can A, cannot B, can C = (A AND NOT B) OR C', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { requester_id: 'user-1' } },
      ]);
      expect(inline(result)).toBe(`(("t"."team_id" = 'team-a' AND NOT COALESCE("t"."is_sensitive" = true, FALSE)) OR "t"."requester_id" = 'user-1')`);
    });

    it('gives FALSE for an unconditional cannot declared after the cans', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { region: 'north' } },
        { action: 'read', subject: 'Ticket', inverted: true },
      ]);
      expect(result.sql).toBe('FALSE');
    });

    it('lets a can declared after an unconditional cannot grant again', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { requester_id: 'user-1' } },
      ]);
      expect(inline(result)).toBe(`"t"."requester_id" = 'user-1'`);
    });

    it('applies a cannot on manage/all to read on Ticket', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket' },
        { action: 'manage', subject: 'all', inverted: true },
      ]);
      expect(result.sql).toBe('FALSE');
    });

    it('ignores rules for other actions that sit between the relevant ones', () => {
      const result = ticketSql([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'update', subject: 'Ticket', inverted: true },
        { action: 'read', subject: 'Message', inverted: true },
      ]);
      expect(result).toEqual({ sql: '"t"."team_id" = :acl_0', params: { acl_0: 'team-a' } });
    });

    it('ignores a field-level cannot (CASL ignores it too when no field is asked)', () => {
      const rules: RoleRule[] = [
        { action: 'transition', subject: 'Ticket' },
        { action: 'transition', subject: 'Ticket', fields: ['resolved'], conditions: { linked_type: 'payment' }, inverted: true },
      ];
      expect(ticketSql(rules, 'transition').sql).toBe('TRUE');
      expect(ability(rules).can('transition', row({ linked_type: 'payment' }))).toBe(true);
    });

    it('counts a field-level can as granting the action', () => {
      const rules: RoleRule[] = [{ action: 'transition', subject: 'Ticket', fields: ['open', 'closed'], conditions: { requester_id: 'user-1' } }];
      expect(ticketSql(rules, 'transition')).toEqual({ sql: '"t"."requester_id" = :acl_0', params: { acl_0: 'user-1' } });
    });
  });

  describe('rule ordering: the SQL and CASL make the same decision', () => {
    // For each rule set: the hand-evaluated SQL, and CASL's decision on rows for which that SQL is
    // TRUE or FALSE. A disagreement means a list would show rows a detail view refuses, or hide rows it shows.
    const sensitiveInTeam = row({ team_id: 'team-a', is_sensitive: true });
    const plainInTeam = row({ team_id: 'team-a', is_sensitive: false });
    const sensitiveElsewhere = row({ team_id: 'team-b', is_sensitive: true });
    const plainElsewhere = row({ team_id: 'team-b', is_sensitive: false });
    const rows = [sensitiveInTeam, plainInTeam, sensitiveElsewhere, plainElsewhere];

    it('can team, then cannot sensitive: only plain team rows', () => {
      const rules: RoleRule[] = [
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
      ];
      expect(inline(ticketSql(rules))).toBe(`("t"."team_id" = 'team-a' AND NOT COALESCE("t"."is_sensitive" = true, FALSE))`);
      const a = ability(rules);
      expect(rows.map((r) => a.can('read', r))).toEqual([false, true, false, false]);
    });

    it('cannot sensitive, then can team: every team row, sensitive or not', () => {
      const rules: RoleRule[] = [
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
      ];
      expect(inline(ticketSql(rules))).toBe(`"t"."team_id" = 'team-a'`);
      const a = ability(rules);
      expect(rows.map((r) => a.can('read', r))).toEqual([true, true, false, false]);
    });

    it('can all, cannot sensitive, can team: plain rows anywhere and every team row', () => {
      const rules: RoleRule[] = [
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
      ];
      expect(inline(ticketSql(rules))).toBe(`(NOT COALESCE("t"."is_sensitive" = true, FALSE) OR "t"."team_id" = 'team-a')`);
      const a = ability(rules);
      expect(rows.map((r) => a.can('read', r))).toEqual([true, true, false, true]);
    });

    it('can team, can sensitive, unconditional cannot: nothing', () => {
      const rules: RoleRule[] = [
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true } },
        { action: 'read', subject: 'Ticket', inverted: true },
      ];
      expect(ticketSql(rules).sql).toBe('FALSE');
      const a = ability(rules);
      expect(rows.map((r) => a.can('read', r))).toEqual([false, false, false, false]);
    });

    it('a cannot whose condition is NULL on the row does not remove it (NULL-safe negation)', () => {
      const rules: RoleRule[] = [
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', conditions: { region: 'south' }, inverted: true },
      ];
      // With region NULL, "region" = 'south' is NULL in SQL; COALESCE makes the NOT keep the row.
      expect(inline(ticketSql(rules))).toBe(`NOT COALESCE("t"."region" = 'south', FALSE)`);
      const a = ability(rules);
      expect(a.can('read', row({ region: null }))).toBe(true);
      expect(a.can('read', row({ region: 'south' }))).toBe(false);
      expect(a.can('read', row({ region: 'north' }))).toBe(true);
    });

    it('$ne keeps NULL rows on both sides', () => {
      const rules: RoleRule[] = [{ action: 'read', subject: 'Ticket', conditions: { region: { $ne: 'south' } } }];
      expect(inline(ticketSql(rules))).toBe(`"t"."region" IS DISTINCT FROM 'south'`);
      const a = ability(rules);
      expect(a.can('read', row({ region: null }))).toBe(true);
      expect(a.can('read', row({ region: 'south' }))).toBe(false);
    });

    it('$nin keeps NULL rows on both sides; a null member removes them on both sides', () => {
      const keepNull = ability([{ action: 'read', subject: 'Ticket', conditions: { region: { $nin: ['south'] } } }]);
      expect(keepNull.can('read', row({ region: null }))).toBe(true);
      const dropNull = ability([{ action: 'read', subject: 'Ticket', conditions: { region: { $nin: ['south', null] } } }]);
      expect(dropNull.can('read', row({ region: null }))).toBe(false);
      expect(dropNull.can('read', row({ region: 'north' }))).toBe(true);
    });

    it('$in with a null member selects NULL rows on both sides', () => {
      const a = ability([{ action: 'read', subject: 'Ticket', conditions: { linked_type: { $in: ['payment', null] } } }]);
      expect(a.can('read', row({ linked_type: null }))).toBe(true);
      expect(a.can('read', row({ linked_type: 'payment' }))).toBe(true);
      expect(a.can('read', row({ linked_type: 'invoice' }))).toBe(false);
    });
  });

  describe('SQL and CASL agree on the operators rulesToSql accepts (the ability the app builds)', () => {
    // rulesToSql and validateRoleRules accept these; the app checks single records with
    // buildAbility. Each expectation is what the SQL selects for that row in PostgreSQL.
    const canRead = (conditions: Record<string, unknown>, r: ReturnType<typeof row>) =>
      buildAbility([{ action: 'read', subject: 'Ticket', conditions }], USER).can('read', r);

    it('$or: a row matching one branch is readable ("team_id" = \'team-a\' OR "region" = \'north\')', () => {
      expect(canRead({ $or: [{ team_id: 'team-a' }, { region: 'north' }] }, row({ team_id: 'team-a', region: 'south' }))).toBe(true);
      expect(canRead({ $or: [{ team_id: 'team-a' }, { region: 'north' }] }, row({ team_id: 'team-b', region: 'north' }))).toBe(true);
      expect(canRead({ $or: [{ team_id: 'team-a' }, { region: 'north' }] }, row({ team_id: 'team-b', region: 'south' }))).toBe(false);
    });

    it('$and: a row matching every branch is readable', () => {
      expect(canRead({ $and: [{ team_id: 'team-a' }, { status: 'open' }] }, row({ team_id: 'team-a', status: 'open' }))).toBe(true);
    });

    it('$nor: a row matching no branch is readable', () => {
      expect(canRead({ $nor: [{ is_sensitive: true }, { linked_type: 'payment' }] }, row({ is_sensitive: false, linked_type: null }))).toBe(true);
      expect(canRead({ $nor: [{ is_sensitive: true }, { linked_type: 'payment' }] }, row({ is_sensitive: true }))).toBe(false);
    });

    it('$not: a row whose value fails the inner operators is readable', () => {
      expect(canRead({ region: { $not: { $eq: 'north' } } }, row({ region: 'south' }))).toBe(true);
      expect(canRead({ region: { $not: { $eq: 'north' } } }, row({ region: null }))).toBe(true);
      expect(canRead({ region: { $not: { $eq: 'north' } } }, row({ region: 'north' }))).toBe(false);
    });

    it('a cannot rule with $or removes the rows it matches', () => {
      const a = buildAbility(
        [
          { action: 'read', subject: 'Ticket' },
          { action: 'read', subject: 'Ticket', conditions: { $or: [{ is_sensitive: true }, { linked_type: 'payment' }] }, inverted: true },
        ],
        USER,
      );
      expect(a.can('read', row({ is_sensitive: true }))).toBe(false);
      expect(a.can('read', row({ linked_type: 'payment' }))).toBe(false);
      expect(a.can('read', row({}))).toBe(true);
    });

    it('null and $ne: null agree on a NULL column', () => {
      expect(canRead({ assignee_id: null }, row({ assignee_id: null }))).toBe(true);
      expect(canRead({ assignee_id: null }, row({ assignee_id: 'agent-1' }))).toBe(false);
      expect(canRead({ assignee_id: { $ne: null } }, row({ assignee_id: null }))).toBe(false);
      expect(canRead({ assignee_id: { $ne: null } }, row({ assignee_id: 'agent-1' }))).toBe(true);
    });

    it('numeric comparisons agree on the NOT NULL escalation_level', () => {
      expect(canRead({ escalation_level: { $gte: 2 } }, row({ escalation_level: 2 }))).toBe(true);
      expect(canRead({ escalation_level: { $gte: 2 } }, row({ escalation_level: 1 }))).toBe(false);
      expect(canRead({ escalation_level: { $lt: 1 } }, row({ escalation_level: 0 }))).toBe(true);
    });

    it('array operators on tags agree', () => {
      expect(canRead({ tags: 'vip' }, row({ tags: ['eu', 'vip'] }))).toBe(true);
      expect(canRead({ tags: 'vip' }, row({ tags: ['eu'] }))).toBe(false);
      expect(canRead({ tags: { $in: ['vip', 'spam'] } }, row({ tags: ['spam'] }))).toBe(true);
      expect(canRead({ tags: { $in: ['vip', 'spam'] } }, row({ tags: [] }))).toBe(false);
      expect(canRead({ tags: { $all: ['billing', 'eu'] } }, row({ tags: ['eu', 'billing', 'vip'] }))).toBe(true);
      expect(canRead({ tags: { $all: ['billing', 'eu'] } }, row({ tags: ['eu'] }))).toBe(false);
      expect(canRead({ tags: { $nin: ['spam'] } }, row({ tags: ['vip'] }))).toBe(true);
      expect(canRead({ tags: { $nin: ['spam'] } }, row({ tags: ['vip', 'spam'] }))).toBe(false);
      expect(canRead({ tags: { $ne: 'spam' } }, row({ tags: ['spam'] }))).toBe(false);
      expect(canRead({ tags: { $size: 2 } }, row({ tags: ['a', 'b'] }))).toBe(true);
      expect(canRead({ tags: { $size: 2 } }, row({ tags: ['a'] }))).toBe(false);
    });
  });

  describe('paramPrefix', () => {
    it('names the parameters with the prefix', () => {
      const result = ticketSql(
        [
          { action: 'read', subject: 'Ticket', conditions: { team_id: { $in: ['team-a', 'team-b'] } } },
          { action: 'read', subject: 'Ticket', conditions: { status: 'open' } },
        ],
        'read',
        { paramPrefix: 'scope' },
      );
      expect(result).toEqual({
        sql: '("t"."team_id" = ANY(:scope_0) OR "t"."status" = :scope_1)',
        params: { scope_0: ['team-a', 'team-b'], scope_1: 'open' },
      });
    });

    it('lets two filters share one query without clashing parameter names', () => {
      const a = ability([{ action: 'read', subject: 'Ticket', conditions: { status: 'open' } }]);
      const first = rulesToSql(a, 'read', 'Ticket', { ...TICKET, paramPrefix: 'read' });
      const second = rulesToSql(a, 'read', 'Ticket', { ...TICKET, paramPrefix: 'upd' });
      expect(Object.keys(first.params)).toEqual(['read_0']);
      expect(Object.keys(second.params)).toEqual(['upd_0']);
    });

    it('restarts numbering for each call', () => {
      const a = ability([{ action: 'read', subject: 'Ticket', conditions: { status: 'open' } }]);
      rulesToSql(a, 'read', 'Ticket', TICKET);
      expect(rulesToSql(a, 'read', 'Ticket', TICKET).params).toEqual({ acl_0: 'open' });
    });
  });

  describe('conditions it cannot translate', () => {
    it('rejects a field that is not in the whitelist', () => {
      expect(() => readTicketsWhere({ salary: 10 })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ salary: 10 })).toThrow('field "salary" cannot be used in a condition');
    });

    it('rejects a field of another subject', () => {
      expect(() => readTicketsWhere({ internal: true })).toThrow(UnsupportedConditionError);
    });

    it('rejects a dotted path', () => {
      expect(() => readTicketsWhere({ 'requester.id': 'user-1' })).toThrow(UnsupportedConditionError);
    });

    it('rejects an unknown field nested in $or', () => {
      expect(() => readTicketsWhere({ $or: [{ team_id: 'team-a' }, { salary: 1 }] })).toThrow(UnsupportedConditionError);
    });

    it('rejects an unsupported field operator', () => {
      expect(() => readTicketsWhere({ status: { $regex: '^op' } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ status: { $regex: '^op' } })).toThrow('operator $regex is not supported');
      expect(() => readTicketsWhere({ escalation_level: { $mod: [2, 0] } })).toThrow(UnsupportedConditionError);
    });

    it('rejects an unsupported top-level operator', () => {
      expect(() => readTicketsWhere({ $where: 'true' })).toThrow('operator $where is not supported at the top level');
    });

    it('rejects an object value mixing operators and plain keys', () => {
      expect(() => readTicketsWhere({ status: { $eq: 'open', other: 1 } })).toThrow(UnsupportedConditionError);
    });

    it('rejects an object or array where a single value is expected', () => {
      expect(() => readTicketsWhere({ status: { value: 'open' } })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ status: ['open'] })).toThrow(UnsupportedConditionError);
      expect(() => readTicketsWhere({ escalation_level: { $gt: [1] } })).toThrow(UnsupportedConditionError);
    });

    it('rejects a non-array operand of $in / $nin / $all', () => {
      expect(() => readTicketsWhere({ team_id: { $in: 'team-a' } })).toThrow('$in takes an array');
      expect(() => readTicketsWhere({ team_id: { $nin: 'team-a' } })).toThrow('$nin takes an array');
      expect(() => readTicketsWhere({ tags: { $all: 'vip' } })).toThrow('$all takes an array');
    });

    it('rejects an untranslatable condition even when an earlier rule already grants everything', () => {
      expect(() =>
        ticketSql([
          { action: 'read', subject: 'Ticket' },
          { action: 'read', subject: 'Ticket', conditions: { salary: 1 } },
        ]),
      ).toThrow(UnsupportedConditionError);
    });

    it('names its error class', () => {
      const error = new UnsupportedConditionError('x');
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('UnsupportedConditionError');
    });
  });
});
