import { subject } from '@casl/ability';
import { buildAbility } from './ability.factory';
import { DEFAULT_ROLE_RULES } from './default-roles';
import { PrincipalAttributes, RoleRule } from './role-rules';
import { narrowRulesToScopes } from './scopes';

const USER: PrincipalAttributes = {
  id: 'key-owner',
  email: null,
  role: 'ops_agent',
  team_ids: ['team-a'],
  franchise_id: 'fr-1',
  region: 'north',
};

const ticket = (attributes: Record<string, unknown>) => subject('Ticket', { ...attributes });

describe('narrowRulesToScopes', () => {
  it('cuts manage all down to the four read pairs of tickets:read', () => {
    expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }], ['tickets:read'])).toEqual([
      { action: 'read', subject: 'Ticket' },
      { action: 'read', subject: 'Message' },
      { action: 'read', subject: 'Watcher' },
      { action: 'read', subject: 'Attachment' },
    ]);
  });

  it('cuts manage all down to the pairs of tickets:write', () => {
    expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }], ['tickets:write'])).toEqual([
      { action: 'create', subject: 'Ticket' },
      { action: 'update', subject: 'Ticket' },
      { action: 'delete', subject: 'Ticket' },
      { action: 'assign', subject: 'Ticket' },
      { action: 'escalate', subject: 'Ticket' },
      { action: 'transition', subject: 'Ticket' },
      { action: 'create', subject: 'Message' },
      { action: 'create', subject: 'Watcher' },
      { action: 'update', subject: 'Watcher' },
      { action: 'delete', subject: 'Watcher' },
      { action: 'create', subject: 'Attachment' },
    ]);
  });

  it('keeps manage when the scope itself says manage (admin scope)', () => {
    expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }], ['admin'])).toEqual([
      { action: 'manage', subject: 'User' },
      { action: 'manage', subject: 'Team' },
      { action: 'manage', subject: 'Role' },
      { action: 'manage', subject: 'SlaPolicy' },
      { action: 'manage', subject: 'ApiKey' },
      { action: 'manage', subject: 'Webhook' },
    ]);
  });

  it('narrows a role action to the scope: read all + admin scope gives read on the admin subjects only', () => {
    expect(narrowRulesToScopes([{ action: 'read', subject: 'all' }], ['admin'])).toEqual([
      { action: 'read', subject: 'User' },
      { action: 'read', subject: 'Team' },
      { action: 'read', subject: 'Role' },
      { action: 'read', subject: 'SlaPolicy' },
      { action: 'read', subject: 'ApiKey' },
      { action: 'read', subject: 'Webhook' },
    ]);
  });

  it('narrows a manage rule on one subject to the scope actions on that subject', () => {
    expect(narrowRulesToScopes([{ action: 'manage', subject: 'Ticket' }], ['tickets:read'])).toEqual([{ action: 'read', subject: 'Ticket' }]);
  });

  it('keeps the conditions, fields and reason of a narrowed rule', () => {
    const rules: RoleRule[] = [
      { action: ['read', 'update'], subject: 'Ticket', conditions: { team_id: { $in: ['team-a'] } }, fields: ['status'], reason: 'teams' },
    ];
    expect(narrowRulesToScopes(rules, ['tickets:read'])).toEqual([
      { action: 'read', subject: 'Ticket', conditions: { team_id: { $in: ['team-a'] } }, fields: ['status'], reason: 'teams' },
    ]);
  });

  it('splits rules with several actions and subjects into the pairs the scope shares', () => {
    const rules: RoleRule[] = [{ action: ['read', 'create', 'delete'], subject: ['Ticket', 'Message', 'User'] }];
    expect(narrowRulesToScopes(rules, ['tickets:read'])).toEqual([
      { action: 'read', subject: 'Ticket' },
      { action: 'read', subject: 'Message' },
    ]);
  });

  describe('a scope never widens the role', () => {
    it('grants no write to a read-only role with the tickets:write scope', () => {
      expect(narrowRulesToScopes([{ action: 'read', subject: 'Ticket' }], ['tickets:write'])).toEqual([]);
    });

    it('grants no admin to a ticket role with the admin scope', () => {
      expect(narrowRulesToScopes([{ action: ['read', 'update'], subject: 'Ticket' }], ['admin'])).toEqual([]);
    });

    it('gives nothing for an empty scope list', () => {
      expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }], [])).toEqual([]);
    });

    it('gives nothing for a scope name it does not know', () => {
      expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }], ['everything' as never])).toEqual([]);
    });

    it('grants only what both the role and the scope allow, whatever the scope', () => {
      const role: RoleRule[] = [{ action: 'read', subject: 'Ticket' }];
      const ability = buildAbility(role, USER, ['tickets:read', 'tickets:write', 'audit:read', 'exports:write', 'admin']);
      expect(ability.can('read', 'Ticket')).toBe(true);
      for (const [action, subjectType] of [
        ['update', 'Ticket'],
        ['create', 'Ticket'],
        ['read', 'Message'],
        ['read', 'Audit'],
        ['create', 'Export'],
        ['manage', 'User'],
      ]) {
        expect([action, subjectType, ability.can(action, subjectType)]).toEqual([action, subjectType, false]);
      }
    });
  });

  describe('cannot rules', () => {
    it('are kept as they are, in their place', () => {
      const cannot: RoleRule = { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true, reason: 'sensitive' };
      expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }, cannot], ['tickets:read'])).toEqual([
        { action: 'read', subject: 'Ticket' },
        { action: 'read', subject: 'Message' },
        { action: 'read', subject: 'Watcher' },
        { action: 'read', subject: 'Attachment' },
        cannot,
      ]);
    });

    it('are kept even outside the scope (they can only take away)', () => {
      const cannot: RoleRule = { action: 'delete', subject: 'User', inverted: true };
      expect(narrowRulesToScopes([cannot], ['tickets:read'])).toEqual([cannot]);
    });

    it('keep a can declared after them winning, as in the role', () => {
      const rules: RoleRule[] = [
        { action: 'read', subject: 'Ticket', conditions: { is_sensitive: true }, inverted: true },
        { action: 'read', subject: 'Ticket', conditions: { requester_id: 'key-owner' } },
      ];
      const narrowed = narrowRulesToScopes(rules, ['tickets:read']);
      expect(narrowed).toEqual(rules);
      const ability = buildAbility(narrowed, USER);
      expect(ability.can('read', ticket({ is_sensitive: true, requester_id: 'key-owner' }))).toBe(true);
      expect(ability.can('read', ticket({ is_sensitive: true, requester_id: 'other' }))).toBe(false);
    });
  });

  it('takes the union of several scopes', () => {
    expect(narrowRulesToScopes([{ action: 'manage', subject: 'all' }], ['tickets:read', 'audit:read', 'exports:write'])).toEqual([
      { action: 'read', subject: 'Ticket' },
      { action: 'read', subject: 'Message' },
      { action: 'read', subject: 'Watcher' },
      { action: 'read', subject: 'Attachment' },
      { action: 'read', subject: 'Audit' },
      { action: 'create', subject: 'Export' },
      { action: 'read', subject: 'Export' },
    ]);
  });

  it('does not modify the rules it is given', () => {
    const rules: RoleRule[] = [{ action: ['read', 'update'], subject: 'Ticket', conditions: { team_id: 'team-a' } }];
    narrowRulesToScopes(rules, ['tickets:read']);
    expect(rules).toEqual([{ action: ['read', 'update'], subject: 'Ticket', conditions: { team_id: 'team-a' } }]);
  });
});

describe('buildAbility with scopes (an API key)', () => {
  const mine = ticket({ team_id: 'team-a', is_sensitive: false, linked_type: null });
  const theirs = ticket({ team_id: 'team-b', is_sensitive: false, linked_type: null });

  it('without scopes, is the whole role (a user session)', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.ops_agent, USER);
    expect(ability.can('read', mine)).toBe(true);
    expect(ability.can('update', mine)).toBe(true);
    expect(ability.can('create', 'Message')).toBe(true);
    expect(ability.can('read', 'User')).toBe(true);
    expect(ability.can('read', theirs)).toBe(false);
  });

  it('with tickets:read, an ops_agent key reads its team tickets and their messages, and nothing else', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.ops_agent, USER, ['tickets:read']);
    expect(ability.can('read', mine)).toBe(true);
    expect(ability.can('read', theirs)).toBe(false);
    expect(ability.can('update', mine)).toBe(false);
    expect(ability.can('transition', mine)).toBe(false);
    expect(ability.can('read', subject('Message', { internal: true }))).toBe(true);
    expect(ability.can('create', 'Message')).toBe(false);
    expect(ability.can('read', 'Watcher')).toBe(true);
    expect(ability.can('read', 'Attachment')).toBe(true);
    expect(ability.can('read', 'User')).toBe(false);
    expect(ability.can('read', 'Team')).toBe(false);
  });

  it('with tickets:write, an ops_agent key updates its team tickets but cannot escalate (its role cannot) nor read', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.ops_agent, USER, ['tickets:write']);
    expect(ability.can('update', mine)).toBe(true);
    expect(ability.can('assign', mine)).toBe(true);
    expect(ability.can('update', theirs)).toBe(false);
    expect(ability.can('escalate', mine)).toBe(false);
    expect(ability.can('delete', mine)).toBe(false);
    expect(ability.can('create', 'Ticket')).toBe(true);
    expect(ability.can('read', mine)).toBe(false);
  });

  it('keeps the role cannot rules: an ops_agent key with tickets:write still cannot resolve a payment ticket', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.ops_agent, USER, ['tickets:write']);
    expect(ability.can('transition', ticket({ team_id: 'team-a', linked_type: 'payment' }), 'resolved')).toBe(false);
    expect(ability.can('transition', ticket({ team_id: 'team-a', linked_type: 'payment' }), 'in_progress')).toBe(true);
    expect(ability.can('transition', ticket({ team_id: 'team-a', linked_type: null }), 'resolved')).toBe(true);
  });

  it('with an empty scope list, grants nothing', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.admin, USER, []);
    expect(ability.can('read', 'Ticket')).toBe(false);
    expect(ability.can('manage', 'User')).toBe(false);
    expect(ability.rules).toEqual([]);
  });

  it('an admin key with the admin scope manages users but cannot read tickets', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.admin, USER, ['admin']);
    expect(ability.can('create', 'User')).toBe(true);
    expect(ability.can('delete', 'ApiKey')).toBe(true);
    expect(ability.can('update', 'Webhook')).toBe(true);
    expect(ability.can('read', 'Ticket')).toBe(false);
    expect(ability.can('read', 'Audit')).toBe(false);
  });

  it('an auditor key with the admin scope can only read the admin subjects', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.auditor, USER, ['admin', 'audit:read']);
    expect(ability.can('read', 'User')).toBe(true);
    expect(ability.can('read', 'ApiKey')).toBe(true);
    expect(ability.can('read', 'Audit')).toBe(true);
    expect(ability.can('create', 'User')).toBe(false);
    expect(ability.can('update', 'Role')).toBe(false);
  });

  it('interpolates before narrowing: a franchise_agent key of a user without franchise reads no ticket', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.franchise_agent, { ...USER, franchise_id: null }, ['tickets:read']);
    expect(ability.can('read', ticket({ franchise_id: null }))).toBe(false);
    expect(ability.can('read', ticket({ franchise_id: 'fr-1' }))).toBe(false);
  });

  it('interpolates the placeholders of narrowed rules from the key owner', () => {
    const ability = buildAbility(DEFAULT_ROLE_RULES.requester, USER, ['tickets:read']);
    expect(ability.can('read', ticket({ requester_id: 'key-owner' }))).toBe(true);
    expect(ability.can('read', ticket({ requester_id: 'someone-else' }))).toBe(false);
    expect(ability.can('read', subject('Message', { internal: true }))).toBe(false);
    expect(ability.can('read', subject('Message', { internal: false }))).toBe(true);
  });
});
