import { subject } from '@casl/ability';
import { SEEDED_ROLES, SeededRole } from '@helpdesk/domain';
import { AppAbility, buildAbility } from './ability.factory';
import { DEFAULT_ROLE_DESCRIPTIONS, DEFAULT_ROLE_RULES } from './default-roles';
import { PrincipalAttributes } from './role-rules';

/**
 * The access matrix of the seeded roles, written out by hand from default-roles.ts. Each role is
 * built for the same sample user; change a role and this table must be changed on purpose.
 */
function userFor(role: SeededRole): PrincipalAttributes {
  return { id: 'user-1', email: 'user-1@example.com', role, team_ids: ['team-a'], franchise_id: 'fr-1', region: 'north' };
}

function abilityOf(role: SeededRole, user: PrincipalAttributes = userFor(role)): AppAbility {
  return buildAbility(DEFAULT_ROLE_RULES[role], user);
}

function ticket(attributes: Record<string, unknown>) {
  return subject('Ticket', {
    id: 'ticket',
    status: 'open',
    requester_id: 'someone-else',
    team_id: 'team-b',
    franchise_id: 'fr-2',
    region: 'south',
    linked_type: null,
    is_sensitive: false,
    ...attributes,
  });
}

// ---------------------------------------------------------------------------------------------
// Administration and non-ticket subjects. Y = allowed, n = refused.
// ---------------------------------------------------------------------------------------------

const ADMIN_CHECKS = [
  ['create', 'User'],
  ['update', 'Role'],
  ['create', 'Team'],
  ['update', 'SlaPolicy'],
  ['delete', 'ApiKey'],
  ['update', 'Webhook'],
  ['read', 'User'],
  ['read', 'Role'],
  ['read', 'Audit'],
  ['create', 'Ticket'],
  ['create', 'Export'],
  ['audit', 'Ticket'],
] as const;

// prettier-ignore
const ADMIN_MATRIX: Record<SeededRole, string> = {
  //                  create  update  create  update  delete  update   read  read  read   create  create  audit
  //                  User    Role    Team    SlaPol  ApiKey  Webhook  User  Role  Audit  Ticket  Export  Ticket
  admin:            ' Y       Y       Y       Y       Y       Y        Y     Y     Y      Y       Y       Y',
  hq_support:       ' n       n       n       n       n       n        Y     n     Y      Y       Y       n',
  regional_manager: ' n       n       n       n       n       n        Y     n     Y      Y       Y       n',
  ops_manager:      ' n       n       n       n       n       n        Y     n     Y      Y       Y       n',
  ops_agent:        ' n       n       n       n       n       n        Y     n     n      Y       n       n',
  franchise_agent:  ' n       n       n       n       n       n        Y     n     n      Y       n       n',
  finance:          ' n       n       n       n       n       n        Y     n     n      Y       Y       n',
  ceo_oncall:       ' n       n       n       n       n       n        Y     n     Y      n       n       n',
  auditor:          ' n       n       n       n       n       n        Y     Y     Y      n       n       Y',
  requester:        ' n       n       n       n       n       n        n     n     n      Y       n       n',
};

// ---------------------------------------------------------------------------------------------
// Ticket work. The user is in team-a, franchise fr-1, region north. Each cell lists the actions
// allowed on that ticket, in the order R(ead) U(pdate) A(ssign) E(scalate) T(ransition to
// in_progress); '-' marks a refused action.
// ---------------------------------------------------------------------------------------------

const TICKETS = {
  /** team-a, fr-1, north: the user's team, franchise and region. */
  ownTeam: ticket({ team_id: 'team-a', franchise_id: 'fr-1', region: 'north' }),
  /** team-b, fr-1, north: another team, same franchise and region. */
  otherTeam: ticket({ team_id: 'team-b', franchise_id: 'fr-1', region: 'north' }),
  /** team-b, fr-1, south: only the franchise is the user's. */
  franchiseOnly: ticket({ team_id: 'team-b', franchise_id: 'fr-1', region: 'south' }),
  /** team-b, fr-2, north: only the region is the user's. */
  regionOnly: ticket({ team_id: 'team-b', franchise_id: 'fr-2', region: 'north' }),
  /** team-b, fr-2, south: another team, franchise and region. */
  elsewhere: ticket({ team_id: 'team-b', franchise_id: 'fr-2', region: 'south' }),
  /** team-b, fr-2, south, raised by the user. */
  requested: ticket({ team_id: 'team-b', franchise_id: 'fr-2', region: 'south', requester_id: 'user-1' }),
  /** team-b, fr-2, south, linked to an invoice. */
  invoice: ticket({ team_id: 'team-b', franchise_id: 'fr-2', region: 'south', linked_type: 'invoice' }),
};
type TicketName = keyof typeof TICKETS;

// prettier-ignore
const TICKET_MATRIX: Record<SeededRole, Record<TicketName, string>> = {
  admin:            { ownTeam: 'RUAET', otherTeam: 'RUAET', franchiseOnly: 'RUAET', regionOnly: 'RUAET', elsewhere: 'RUAET', requested: 'RUAET', invoice: 'RUAET' },
  hq_support:       { ownTeam: 'RUAET', otherTeam: 'RUAET', franchiseOnly: 'RUAET', regionOnly: 'RUAET', elsewhere: 'RUAET', requested: 'RUAET', invoice: 'RUAET' },
  regional_manager: { ownTeam: 'RUAET', otherTeam: 'RUAET', franchiseOnly: '-----', regionOnly: 'RUAET', elsewhere: '-----', requested: '-----', invoice: '-----' },
  ops_manager:      { ownTeam: 'RUAET', otherTeam: '-----', franchiseOnly: '-----', regionOnly: '-----', elsewhere: '-----', requested: '-----', invoice: '-----' },
  ops_agent:        { ownTeam: 'RUA-T', otherTeam: '-----', franchiseOnly: '-----', regionOnly: '-----', elsewhere: '-----', requested: '-----', invoice: '-----' },
  franchise_agent:  { ownTeam: 'RU--T', otherTeam: 'RU--T', franchiseOnly: 'RU--T', regionOnly: '-----', elsewhere: '-----', requested: '-----', invoice: '-----' },
  finance:          { ownTeam: '-----', otherTeam: '-----', franchiseOnly: '-----', regionOnly: '-----', elsewhere: '-----', requested: '-----', invoice: 'RUA-T' },
  ceo_oncall:       { ownTeam: 'R--E-', otherTeam: 'R--E-', franchiseOnly: 'R--E-', regionOnly: 'R--E-', elsewhere: 'R--E-', requested: 'R--E-', invoice: 'R--E-' },
  auditor:          { ownTeam: 'R----', otherTeam: 'R----', franchiseOnly: 'R----', regionOnly: 'R----', elsewhere: 'R----', requested: 'R----', invoice: 'R----' },
  requester:        { ownTeam: '-----', otherTeam: '-----', franchiseOnly: '-----', regionOnly: '-----', elsewhere: '-----', requested: 'R----', invoice: '-----' },
};

function ticketCode(ability: AppAbility, row: ReturnType<typeof ticket>): string {
  return [
    ability.can('read', row) ? 'R' : '-',
    ability.can('update', row) ? 'U' : '-',
    ability.can('assign', row) ? 'A' : '-',
    ability.can('escalate', row) ? 'E' : '-',
    ability.can('transition', row, 'in_progress') ? 'T' : '-',
  ].join('');
}

// ---------------------------------------------------------------------------------------------
// Resolving. Both tickets are in the user's team, franchise and region; one is linked to a
// payment. Only admin and finance may resolve the payment ticket; finance works linked tickets only.
// ---------------------------------------------------------------------------------------------

const PAYMENT_TICKET = ticket({ team_id: 'team-a', franchise_id: 'fr-1', region: 'north', linked_type: 'payment' });
const NORMAL_TICKET = ticket({ team_id: 'team-a', franchise_id: 'fr-1', region: 'north', linked_type: null });

// prettier-ignore
const RESOLVE_MATRIX: Record<SeededRole, { payment: boolean; normal: boolean }> = {
  admin:            { payment: true,  normal: true  },
  hq_support:       { payment: false, normal: true  },
  regional_manager: { payment: false, normal: true  },
  ops_manager:      { payment: false, normal: true  },
  ops_agent:        { payment: false, normal: true  },
  franchise_agent:  { payment: false, normal: true  },
  finance:          { payment: true,  normal: false },
  ceo_oncall:       { payment: false, normal: false },
  auditor:          { payment: false, normal: false },
  requester:        { payment: false, normal: false },
};

// ---------------------------------------------------------------------------------------------
// Messages.
// ---------------------------------------------------------------------------------------------

const INTERNAL_MESSAGE = subject('Message', { id: 'm1', ticket_id: 'ticket', author_id: 'agent', internal: true });
const PUBLIC_MESSAGE = subject('Message', { id: 'm2', ticket_id: 'ticket', author_id: 'agent', internal: false });

// prettier-ignore
const MESSAGE_MATRIX: Record<SeededRole, { readInternal: boolean; readPublic: boolean; createInternal: boolean; createPublic: boolean }> = {
  admin:            { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  hq_support:       { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  regional_manager: { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  ops_manager:      { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  ops_agent:        { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  franchise_agent:  { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  finance:          { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  ceo_oncall:       { readInternal: true,  readPublic: true, createInternal: true,  createPublic: true  },
  auditor:          { readInternal: true,  readPublic: true, createInternal: false, createPublic: false },
  requester:        { readInternal: false, readPublic: true, createInternal: false, createPublic: true  },
};

describe('seeded roles', () => {
  it('define rules and a description for exactly the seeded roles', () => {
    expect(Object.keys(DEFAULT_ROLE_RULES).sort()).toEqual([...SEEDED_ROLES].sort());
    expect(Object.keys(DEFAULT_ROLE_DESCRIPTIONS).sort()).toEqual([...SEEDED_ROLES].sort());
  });

  it('every matrix has a row for every seeded role', () => {
    for (const matrix of [ADMIN_MATRIX, TICKET_MATRIX, RESOLVE_MATRIX, MESSAGE_MATRIX]) {
      expect(Object.keys(matrix).sort()).toEqual([...SEEDED_ROLES].sort());
    }
  });

  describe('administration and other subjects', () => {
    const cases = SEEDED_ROLES.flatMap((role) => {
      const cells = ADMIN_MATRIX[role].trim().split(/\s+/);
      if (cells.length !== ADMIN_CHECKS.length) throw new Error(`ADMIN_MATRIX.${role} has ${cells.length} cells`);
      return ADMIN_CHECKS.map(([action, subjectType], i) => [role, cells[i] === 'Y' ? 'can' : 'cannot', action, subjectType] as const);
    });

    it.each(cases)('%s %s %s %s', (role, verdict, action, subjectType) => {
      expect(abilityOf(role).can(action, subjectType)).toBe(verdict === 'can');
    });
  });

  describe('ticket work (R U A E T)', () => {
    const cases = SEEDED_ROLES.flatMap((role) => (Object.keys(TICKETS) as TicketName[]).map((name) => [role, name, TICKET_MATRIX[role][name]] as const));

    it.each(cases)('%s on the %s ticket: %s', (role, name, expected) => {
      expect(ticketCode(abilityOf(role), TICKETS[name])).toBe(expected);
    });
  });

  describe('resolving a ticket linked to a payment (only admin and finance) vs a normal ticket', () => {
    it.each(SEEDED_ROLES.map((role) => [role, RESOLVE_MATRIX[role].payment, RESOLVE_MATRIX[role].normal] as const))(
      '%s: payment ticket %s, normal ticket %s',
      (role, payment, normal) => {
        const ability = abilityOf(role);
        expect(ability.can('transition', PAYMENT_TICKET, 'resolved')).toBe(payment);
        expect(ability.can('transition', NORMAL_TICKET, 'resolved')).toBe(normal);
      },
    );

    it('the payment restriction covers every way of finishing the ticket, not working on it', () => {
      const ability = abilityOf('hq_support');
      expect(ability.can('transition', PAYMENT_TICKET, 'in_progress')).toBe(true);
      expect(ability.can('transition', PAYMENT_TICKET, 'closed')).toBe(false);
      expect(ability.can('transition', PAYMENT_TICKET, 'wont_fix')).toBe(false);
      expect(abilityOf('finance').can('transition', PAYMENT_TICKET, 'closed')).toBe(true);
    });

    it('the payment restriction carries its reason', () => {
      const rule = abilityOf('ops_agent').relevantRuleFor('transition', PAYMENT_TICKET, 'resolved');
      expect(rule?.inverted).toBe(true);
      expect(rule?.reason).toBe('Only finance may resolve a ticket linked to a payment');
    });

    it('finance resolves invoice and refund tickets too, in any team', () => {
      const ability = abilityOf('finance');
      expect(ability.can('transition', ticket({ linked_type: 'invoice' }), 'resolved')).toBe(true);
      expect(ability.can('transition', ticket({ linked_type: 'refund' }), 'resolved')).toBe(true);
      expect(ability.can('transition', ticket({ linked_type: 'order' }), 'resolved')).toBe(false);
    });
  });

  describe('messages: requesters never read internal ones', () => {
    it.each(SEEDED_ROLES.map((role) => [role, MESSAGE_MATRIX[role]] as const))('%s', (role, expected) => {
      const ability = abilityOf(role);
      expect({
        readInternal: ability.can('read', INTERNAL_MESSAGE),
        readPublic: ability.can('read', PUBLIC_MESSAGE),
        createInternal: ability.can('create', INTERNAL_MESSAGE),
        createPublic: ability.can('create', PUBLIC_MESSAGE),
      }).toEqual(expected);
    });
  });

  describe('requester', () => {
    const ability = abilityOf('requester');

    it('may reopen or close its own ticket, and nothing else', () => {
      expect(ability.can('transition', TICKETS.requested, 'open')).toBe(true);
      expect(ability.can('transition', TICKETS.requested, 'closed')).toBe(true);
      expect(ability.can('transition', TICKETS.requested, 'resolved')).toBe(false);
      expect(ability.can('transition', TICKETS.requested, 'in_progress')).toBe(false);
    });

    it("may not transition someone else's ticket at all", () => {
      expect(ability.can('transition', TICKETS.ownTeam, 'closed')).toBe(false);
    });

    it('watches only as itself, and sees only non-sensitive attachments', () => {
      expect(ability.can('create', subject('Watcher', { user_id: 'user-1', ticket_id: 't' }))).toBe(true);
      expect(ability.can('create', subject('Watcher', { user_id: 'someone-else', ticket_id: 't' }))).toBe(false);
      expect(ability.can('read', subject('Attachment', { is_sensitive: false, ticket_id: 't' }))).toBe(true);
      expect(ability.can('read', subject('Attachment', { is_sensitive: true, ticket_id: 't' }))).toBe(false);
    });
  });

  describe('users lacking an attribute the role depends on', () => {
    it('a franchise_agent without franchise reads no ticket, not even those without franchise', () => {
      const ability = abilityOf('franchise_agent', { ...userFor('franchise_agent'), franchise_id: null });
      expect(ability.can('read', ticket({ franchise_id: null }))).toBe(false);
      expect(ability.can('read', ticket({ franchise_id: 'fr-1' }))).toBe(false);
      expect(ability.can('create', 'Ticket')).toBe(true);
    });

    it('a regional_manager without region reads no ticket, not even those without region', () => {
      const ability = abilityOf('regional_manager', { ...userFor('regional_manager'), region: null });
      expect(ability.can('read', ticket({ region: null }))).toBe(false);
      expect(ability.can('read', ticket({ region: 'north' }))).toBe(false);
      expect(ability.can('read', 'Audit')).toBe(true);
    });

    it('an ops_agent in no team reads no ticket, not even those without team', () => {
      const ability = abilityOf('ops_agent', { ...userFor('ops_agent'), team_ids: [] });
      expect(ability.can('read', ticket({ team_id: null }))).toBe(false);
      expect(ability.can('read', ticket({ team_id: 'team-a' }))).toBe(false);
    });

    it('an ops_manager in two teams works the tickets of both', () => {
      const ability = abilityOf('ops_manager', { ...userFor('ops_manager'), team_ids: ['team-a', 'team-b'] });
      expect(ability.can('assign', ticket({ team_id: 'team-b' }))).toBe(true);
      expect(ability.can('assign', ticket({ team_id: 'team-c' }))).toBe(false);
    });
  });
});
