import { subject } from '@casl/ability';
import { SEEDED_ROLES } from '@helpdesk/domain';
import { buildAbility } from './ability.factory';
import { DEFAULT_ROLE_RULES } from './default-roles';
import { interpolateRules, isUnrestricted, PrincipalAttributes, RoleRule, toArray } from './role-rules';
import { validateRoleRules } from './role-validation';
import { UnsupportedConditionError } from './rules-to-sql';

const USER: PrincipalAttributes = {
  id: 'user-1',
  email: 'user-1@example.com',
  role: 'ops_agent',
  team_ids: ['team-a', 'team-b'],
  franchise_id: 'fr-1',
  region: 'north',
};

const NO_FRANCHISE: PrincipalAttributes = { ...USER, franchise_id: null, region: null, email: null };

describe('interpolateRules', () => {
  it('replaces a whole-value placeholder by the attribute and keeps its type (an array stays an array)', () => {
    const [rule] = interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' } } }], USER);
    expect(rule.conditions).toEqual({ team_id: { $in: ['team-a', 'team-b'] } });
    expect(Array.isArray((rule.conditions!.team_id as { $in: unknown }).$in)).toBe(true);
  });

  it('replaces a whole-value placeholder for a scalar attribute', () => {
    const rules = interpolateRules(
      [
        { action: 'read', subject: 'Ticket', conditions: { requester_id: '${user.id}' } },
        { action: 'read', subject: 'Ticket', conditions: { region: '${user.region}', franchise_id: '${user.franchise_id}' } },
        { action: 'read', subject: 'User', conditions: { role: '${user.role}' } },
      ],
      USER,
    );
    expect(rules.map((r) => r.conditions)).toEqual([{ requester_id: 'user-1' }, { region: 'north', franchise_id: 'fr-1' }, { role: 'ops_agent' }]);
  });

  it('keeps an empty team list as an empty array (the rule then matches no team)', () => {
    const [rule] = interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' } } }], {
      ...USER,
      team_ids: [],
    });
    expect(rule.conditions).toEqual({ team_id: { $in: [] } });
  });

  it('replaces a placeholder embedded in a longer string by its text', () => {
    const [rule] = interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { tags: 'franchise:${user.franchise_id}' } }], USER);
    expect(rule.conditions).toEqual({ tags: 'franchise:fr-1' });
  });

  it('replaces several placeholders embedded in one string', () => {
    const [rule] = interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { tags: '${user.region}/${user.franchise_id}/${user.id}' } }], USER);
    expect(rule.conditions).toEqual({ tags: 'north/fr-1/user-1' });
  });

  it('interpolates inside arrays and nested operators ($or, $in members)', () => {
    const [rule] = interpolateRules(
      [
        {
          action: 'read',
          subject: 'Ticket',
          conditions: { $or: [{ requester_id: '${user.id}' }, { region: { $in: ['${user.region}', 'hq'] } }] },
        },
      ],
      USER,
    );
    expect(rule.conditions).toEqual({ $or: [{ requester_id: 'user-1' }, { region: { $in: ['north', 'hq'] } }] });
  });

  it('leaves values without placeholders, and non-string values, unchanged', () => {
    const conditions = { status: 'open', is_sensitive: false, escalation_level: { $gte: 2 }, linked_type: null, tags: 'user.id' };
    const [rule] = interpolateRules([{ action: 'read', subject: 'Ticket', conditions }], USER);
    expect(rule.conditions).toEqual(conditions);
  });

  it('passes rules without conditions through, keeping every property', () => {
    const rules: RoleRule[] = [
      { action: 'create', subject: 'Ticket' },
      { action: 'transition', subject: 'Ticket', fields: ['resolved'], inverted: true, reason: 'no' },
    ];
    expect(interpolateRules(rules, USER)).toEqual(rules);
  });

  it('keeps action, subject, fields, inverted and reason of an interpolated rule', () => {
    const [rule] = interpolateRules(
      [{ action: ['read', 'update'], subject: 'Ticket', fields: ['status'], conditions: { requester_id: '${user.id}' }, reason: 'own' }],
      USER,
    );
    expect(rule).toEqual({ action: ['read', 'update'], subject: 'Ticket', fields: ['status'], conditions: { requester_id: 'user-1' }, reason: 'own' });
  });

  it('does not modify the stored rules it is given', () => {
    const rules: RoleRule[] = [{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' } } }];
    interpolateRules(rules, USER);
    expect(rules).toEqual([{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' } } }]);
  });

  it('keeps the order of the rules', () => {
    const rules = interpolateRules(
      [
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { requester_id: '${user.id}' } },
      ],
      USER,
    );
    expect(rules.map((r) => [r.inverted ?? false, r.conditions ?? null])).toEqual([
      [false, null],
      [true, { is_sensitive: true }],
      [false, { requester_id: 'user-1' }],
    ]);
  });

  describe('an attribute the caller lacks (null)', () => {
    it('drops a can rule naming it: the rule grants nothing', () => {
      const rules = interpolateRules(
        [
          { action: 'read', subject: 'Ticket', conditions: { franchise_id: '${user.franchise_id}' } },
          { action: 'create', subject: 'Ticket' },
          { action: 'read', subject: 'Ticket', conditions: { requester_id: '${user.id}' } },
        ],
        NO_FRANCHISE,
      );
      expect(rules).toEqual([
        { action: 'create', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', conditions: { requester_id: 'user-1' } },
      ]);
    });

    it('drops a can rule when the attribute is embedded in a string', () => {
      expect(interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { tags: 'region:${user.region}' } }], NO_FRANCHISE)).toEqual([]);
    });

    it('drops a can rule when the attribute is nested deep in the conditions', () => {
      const rules = interpolateRules(
        [{ action: 'read', subject: 'Ticket', conditions: { $or: [{ requester_id: '${user.id}' }, { franchise_id: '${user.franchise_id}' }] } }],
        NO_FRANCHISE,
      );
      expect(rules).toEqual([]);
    });

    it('does not turn a dropped can rule into a match on NULL rows', () => {
      const ability = buildAbility([{ action: 'read', subject: 'Ticket', conditions: { franchise_id: '${user.franchise_id}' } }], NO_FRANCHISE);
      expect(ability.can('read', subject('Ticket', { franchise_id: null }))).toBe(false);
      expect(ability.can('read', subject('Ticket', { franchise_id: 'fr-1' }))).toBe(false);
    });

    it('strips the conditions of a cannot rule naming it: it denies the whole action', () => {
      const rules = interpolateRules(
        [
          { action: 'read', subject: 'Ticket' },
          { action: 'read', subject: 'Ticket', conditions: { franchise_id: { $ne: '${user.franchise_id}' } }, inverted: true, reason: 'other franchise' },
        ],
        NO_FRANCHISE,
      );
      expect(rules).toHaveLength(2);
      expect(rules[1]).toEqual({ action: 'read', subject: 'Ticket', inverted: true, reason: 'other franchise' });
      expect(rules[1].conditions).toBeUndefined();

      const ability = buildAbility(rules, NO_FRANCHISE);
      expect(ability.can('read', subject('Ticket', { franchise_id: null }))).toBe(false);
      expect(ability.can('read', subject('Ticket', { franchise_id: 'fr-1' }))).toBe(false);
    });

    it('keeps rules that name only attributes the caller has', () => {
      const rules = interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { requester_id: '${user.id}' } }], NO_FRANCHISE);
      expect(rules).toEqual([{ action: 'read', subject: 'Ticket', conditions: { requester_id: 'user-1' } }]);
    });

    it('treats a null email like any missing attribute', () => {
      expect(interpolateRules([{ action: 'read', subject: 'User', conditions: { id: '${user.email}' } }], NO_FRANCHISE)).toEqual([]);
    });
  });

  describe('an unknown placeholder', () => {
    it('throws UnsupportedConditionError naming it', () => {
      const rules: RoleRule[] = [{ action: 'read', subject: 'Ticket', conditions: { region: '${user.country}' } }];
      expect(() => interpolateRules(rules, USER)).toThrow(UnsupportedConditionError);
      expect(() => interpolateRules(rules, USER)).toThrow('unknown placeholder ${user.country}');
    });

    it('throws when embedded in a longer string', () => {
      expect(() => interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { tags: 'x-${user.password}' } }], USER)).toThrow(
        UnsupportedConditionError,
      );
    });

    it('throws for a cannot rule too (it is not mistaken for a missing attribute)', () => {
      expect(() => interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { region: '${user.country}' }, inverted: true }], USER)).toThrow(
        UnsupportedConditionError,
      );
    });

    it('throws for a name that is an inherited object property, not an attribute', () => {
      expect(() => interpolateRules([{ action: 'read', subject: 'Ticket', conditions: { region: '${user.constructor}' } }], USER)).toThrow(
        UnsupportedConditionError,
      );
    });
  });
});

describe('validateRoleRules', () => {
  it.each(SEEDED_ROLES.map((role) => [role]))('accepts the seeded rules of %s', (role) => {
    expect(validateRoleRules(DEFAULT_ROLE_RULES[role])).toEqual([]);
  });

  it('accepts an empty rule list', () => {
    expect(validateRoleRules([])).toEqual([]);
  });

  it('accepts placeholders, operators and compound conditions on whitelisted fields', () => {
    expect(
      validateRoleRules([
        { action: ['read', 'update'], subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' }, is_sensitive: false } },
        { action: 'read', subject: 'Ticket', conditions: { tags: { $all: ['vip'] }, escalation_level: { $gte: 1 } } },
        { action: 'read', subject: ['Message', 'Attachment'], conditions: { ticket_id: { $ne: null } } },
        { action: 'read', subject: 'User', conditions: { team_ids: { $in: '${user.team_ids}' } } },
        { action: 'transition', subject: 'Ticket', fields: ['resolved'], conditions: { linked_type: 'payment' }, inverted: true, reason: 'x' },
      ]),
    ).toEqual([]);
  });

  describe('the list itself', () => {
    it.each([
      ['a string', 'manage all'],
      ['an object', { action: 'read', subject: 'Ticket' }],
      ['null', null],
      ['undefined', undefined],
    ])('rejects %s instead of an array', (_, value) => {
      expect(validateRoleRules(value)).toEqual([{ field: 'rules', message: 'must be an array of rules' }]);
    });

    it('rejects an element that is not an object, at its index', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket' }, null, 'read'])).toEqual([
        { field: 'rules[1]', message: 'must be an object' },
        { field: 'rules[2]', message: 'must be an object' },
      ]);
    });
  });

  describe('actions and subjects', () => {
    it('rejects an unknown action at rules[i].action', () => {
      const errors = validateRoleRules([
        { action: 'read', subject: 'Ticket' },
        { action: 'approve', subject: 'Ticket' },
      ]);
      expect(errors).toHaveLength(1);
      expect(errors[0].field).toBe('rules[1].action');
      expect(errors[0].message).toBe('must be one or more of manage, read, create, update, delete, assign, escalate, transition, audit');
    });

    it('rejects an action list with one unknown action', () => {
      expect(validateRoleRules([{ action: ['read', 'publish'], subject: 'Ticket' }]).map((e) => e.field)).toEqual(['rules[0].action']);
    });

    it('rejects a missing or empty action', () => {
      expect(validateRoleRules([{ subject: 'Ticket' }]).map((e) => e.field)).toEqual(['rules[0].action']);
      expect(validateRoleRules([{ action: [], subject: 'Ticket' }]).map((e) => e.field)).toEqual(['rules[0].action']);
    });

    it('rejects an action of the wrong case', () => {
      expect(validateRoleRules([{ action: 'Read', subject: 'Ticket' }]).map((e) => e.field)).toEqual(['rules[0].action']);
    });

    it('rejects an unknown subject at rules[i].subject', () => {
      const errors = validateRoleRules([{ action: 'read', subject: 'Invoice' }]);
      expect(errors).toHaveLength(1);
      expect(errors[0].field).toBe('rules[0].subject');
      expect(errors[0].message).toContain('must be one or more of all, Ticket,');
    });

    it('rejects a subject of the wrong case, and a missing or empty subject', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'ticket' }]).map((e) => e.field)).toEqual(['rules[0].subject']);
      expect(validateRoleRules([{ action: 'read' }]).map((e) => e.field)).toEqual(['rules[0].subject']);
      expect(validateRoleRules([{ action: 'read', subject: [] }]).map((e) => e.field)).toEqual(['rules[0].subject']);
    });

    it('reports both action and subject of one rule', () => {
      expect(validateRoleRules([{ action: 'fly', subject: 'Plane' }]).map((e) => e.field)).toEqual(['rules[0].action', 'rules[0].subject']);
    });

    it('accepts manage and all', () => {
      expect(validateRoleRules([{ action: 'manage', subject: 'all' }])).toEqual([]);
    });
  });

  describe('fields and inverted', () => {
    it('rejects fields that are not a non-empty array of strings', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', fields: 'status' }])).toEqual([
        { field: 'rules[0].fields', message: 'must be a non-empty array of field names' },
      ]);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', fields: [] }]).map((e) => e.field)).toEqual(['rules[0].fields']);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', fields: ['status', 1] }]).map((e) => e.field)).toEqual(['rules[0].fields']);
    });

    it('rejects inverted that is not a boolean', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', inverted: 'yes' }])).toEqual([
        { field: 'rules[0].inverted', message: 'must be a boolean' },
      ]);
    });

    it('rejects an empty fields array (CASL refuses to build an ability from it)', () => {
      // createMongoAbility throws "The `rawRule.fields` array cannot be empty" for such a rule, so a
      // stored role with it would make every request of its users fail.
      const rules = [{ action: 'read', subject: 'Ticket', fields: [] }];
      expect(() => buildAbility(rules, USER)).toThrow();
      expect(validateRoleRules(rules).map((e) => e.field)).toEqual(['rules[0].fields']);
    });
  });

  describe('conditions', () => {
    it('rejects conditions that are not an object', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: [] }])).toEqual([
        { field: 'rules[0].conditions', message: 'must be an object' },
      ]);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: 'team_id = 1' }])).toEqual([
        { field: 'rules[0].conditions', message: 'must be an object' },
      ]);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: null }])).toEqual([
        { field: 'rules[0].conditions', message: 'must be an object' },
      ]);
    });

    it("rejects conditions on subject 'all'", () => {
      expect(validateRoleRules([{ action: 'read', subject: 'all', conditions: { id: 'x' } }])).toEqual([
        { field: 'rules[0].conditions', message: 'conditions need a specific subject, not "all"' },
      ]);
    });

    it("rejects conditions when 'all' is one of several subjects", () => {
      expect(validateRoleRules([{ action: 'read', subject: ['Ticket', 'all'], conditions: { id: 'x' } }]).map((e) => e.field)).toEqual(['rules[0].conditions']);
    });

    it('rejects an unknown field with the message of the SQL translation', () => {
      expect(
        validateRoleRules([
          { action: 'read', subject: 'Ticket' },
          { action: 'read', subject: 'Ticket', conditions: { salary: 1 } },
        ]),
      ).toEqual([{ field: 'rules[1].conditions', message: 'field "salary" cannot be used in a condition' }]);
    });

    it('checks the fields against every subject of the rule', () => {
      // team_id is a Ticket column, not a Message column.
      expect(validateRoleRules([{ action: 'read', subject: ['Ticket', 'Message'], conditions: { team_id: 'team-a' } }])).toEqual([
        { field: 'rules[0].conditions', message: 'field "team_id" cannot be used in a condition' },
      ]);
    });

    it('rejects an unsupported operator', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { status: { $regex: '^op' } } }])).toEqual([
        { field: 'rules[0].conditions', message: 'operator $regex is not supported' },
      ]);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { $where: 'true' } }]).map((e) => e.field)).toEqual(['rules[0].conditions']);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { tags: { $elemMatch: { $eq: 'x' } } } }]).map((e) => e.field)).toEqual([
        'rules[0].conditions',
      ]);
    });

    it('rejects an operand of the wrong shape', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: 'team-a' } } }])).toEqual([
        { field: 'rules[0].conditions', message: '$in takes an array' },
      ]);
    });

    it('rejects a scalar placeholder where an array is needed', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: '${user.id}' } } }])).toEqual([
        { field: 'rules[0].conditions', message: '$in takes an array' },
      ]);
    });

    it('rejects an unknown placeholder', () => {
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { region: '${user.country}' } }])).toEqual([
        {
          field: 'rules[0].conditions',
          message:
            'unknown placeholder ${user.country}; known: ${user.id}, ${user.email}, ${user.role}, ${user.team_ids}, ${user.franchise_id}, ${user.region}',
        },
      ]);
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { team_id: { $in: '${user.teamIds}' } } }]).map((e) => e.field)).toEqual([
        'rules[0].conditions',
      ]);
    });

    it('validates placeholders naming attributes that may be null for some users (franchise_id, region, email)', () => {
      // A rule naming a nullable attribute must still be checked, not skipped as "missing".
      expect(validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { franchise_id: '${user.franchise_id}', salary: 1 } }])).toEqual([
        { field: 'rules[0].conditions', message: 'field "salary" cannot be used in a condition' },
      ]);
    });

    it('reports every bad rule, each at its own index', () => {
      const errors = validateRoleRules([
        { action: 'read', subject: 'Ticket', conditions: { team_id: 'team-a' } },
        { action: 'read', subject: 'Ticket', conditions: { nope: 1 } },
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Ticket', conditions: { region: '${user.nope}' } },
      ]);
      expect(errors.map((e) => e.field)).toEqual(['rules[1].conditions', 'rules[3].conditions']);
    });

    it('rejects a placeholder-looking string whose name is not a known attribute, whatever its spelling', () => {
      // `${user.teamIds}` does not match the [a-z_]+ placeholder pattern, so it would be stored and
      // compared as a literal string: in a cannot rule, the denial would silently never apply.
      expect(
        validateRoleRules([{ action: 'read', subject: 'Ticket', conditions: { team_id: '${user.teamIds}' }, inverted: true }]).map((e) => e.field),
      ).toEqual(['rules[0].conditions']);
    });

    it.each([
      ['$exists with a non-boolean', { region: { $exists: 'yes' } }],
      ['$size with a non-number', { tags: { $size: '2' } }],
      ['$gt with a boolean', { escalation_level: { $gt: true } }],
      ['$lt with null', { escalation_level: { $lt: null } }],
    ])('rejects an operand CASL refuses at check time: %s', (_, conditions) => {
      const rules = [{ action: 'read', subject: 'Ticket', conditions }];
      // CASL compiles conditions lazily: such a rule builds, then throws on the first check.
      expect(() => buildAbility(rules, USER).can('read', subject('Ticket', { region: 'north', tags: [], escalation_level: 1 }))).toThrow();
      expect(validateRoleRules(rules).map((e) => e.field)).toEqual(['rules[0].conditions']);
    });

    it('accepts only conditions that the ability the app builds evaluates like the SQL ($or)', () => {
      // rulesToSql translates $or; either validation rejects it or CASL must evaluate it.
      const rules: RoleRule[] = [{ action: 'read', subject: 'Ticket', conditions: { $or: [{ team_id: 'team-a' }, { region: 'north' }] } }];
      const rejected = validateRoleRules(rules).length > 0;
      const evaluated = buildAbility(rules, USER).can('read', subject('Ticket', { team_id: 'team-a', region: 'south' }));
      expect(rejected || evaluated).toBe(true);
    });
  });
});

describe('toArray', () => {
  it('wraps a single value, keeps an array, and maps undefined to an empty list', () => {
    expect(toArray('read')).toEqual(['read']);
    expect(toArray(['read', 'update'])).toEqual(['read', 'update']);
    expect(toArray(undefined)).toEqual([]);
  });
});

describe('isUnrestricted', () => {
  it('holds for the seeded admin role only', () => {
    expect(SEEDED_ROLES.filter((role) => isUnrestricted(DEFAULT_ROLE_RULES[role]))).toEqual(['admin']);
  });

  it.each<[string, RoleRule[], boolean]>([
    ['manage all', [{ action: 'manage', subject: 'all' }], true],
    [
      'manage all among others',
      [
        { action: 'read', subject: 'Ticket' },
        { action: ['manage'], subject: ['all'] },
      ],
      true,
    ],
    ['manage all with a condition', [{ action: 'manage', subject: 'all', conditions: { region: 'north' } }], false],
    ['manage all on some fields', [{ action: 'manage', subject: 'all', fields: ['title'] }], false],
    [
      'manage all, then a cannot',
      [
        { action: 'manage', subject: 'all' },
        { action: 'delete', subject: 'User', inverted: true },
      ],
      false,
    ],
    ['manage all, inverted', [{ action: 'manage', subject: 'all', inverted: true }], false],
    ['manage every named subject', [{ action: 'manage', subject: ['Ticket', 'User', 'Role', 'ApiKey'] }], false],
    ['every action on all, named', [{ action: ['read', 'create', 'update', 'delete'], subject: 'all' }], false],
    ['no rules', [], false],
  ])('%s: %s', (_name, rules, expected) => {
    expect(isUnrestricted(rules)).toBe(expected);
  });
});
