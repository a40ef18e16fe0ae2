import { buildAbility } from '@helpdesk/access';
import { DomainError } from '@helpdesk/domain';
import { Actor, assertRecordAccess, NO_REQUEST, operatorActor, originOf, systemActor, userIdOf } from './actor';
import type { Principal } from './principal';

const attributes = { id: 'u-1', email: 'a@example.com', role: 'ops_agent', team_ids: ['t-1'], franchise_id: null, region: null };
const user: Principal = {
  kind: 'user',
  id: 'u-1',
  tenantId: 'tn-1',
  role: 'ops_agent',
  attributes,
  scopes: null,
  rateLimit: null,
  // Reads every team, changes only its own.
  ability: buildAbility(
    [
      { action: 'read', subject: 'Team' },
      { action: 'update', subject: 'Team', conditions: { id: { $in: '${user.team_ids}' } } },
    ],
    attributes,
  ),
};

function codeOf(work: () => unknown): string | null {
  try {
    work();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
}

describe('Actor', () => {
  it('the worker works tickets and administers nothing', () => {
    const { ability } = systemActor('tn-1');
    for (const action of ['read', 'update', 'transition', 'assign', 'escalate'] as const) expect(ability.can(action, 'Ticket')).toBe(true);
    expect(ability.can('create', 'Message')).toBe(true);
    for (const subject of ['User', 'Team', 'Role', 'SlaPolicy', 'ApiKey'] as const) expect(ability.can('update', subject)).toBe(false);
    expect(ability.can('create', 'ApiKey')).toBe(false);
    expect(ability.can('read', 'Audit')).toBe(false);
  });

  it('an operator at the command line is unrestricted', () => {
    expect(operatorActor('tn-1').ability.can('create', 'ApiKey')).toBe(true);
    expect(operatorActor('tn-1').ability.can('manage', 'all')).toBe(true);
  });

  it('names itself in audit rows and events, with the request when there is one', () => {
    expect(originOf(user, { ip: '10.0.0.1', requestId: 'r-1' })).toEqual({ actor_type: 'user', actor_id: 'u-1', ip: '10.0.0.1', request_id: 'r-1' });
    expect(originOf(systemActor('tn-1'))).toEqual({ actor_type: 'system', actor_id: null, ip: null, request_id: null });
    expect(originOf(systemActor('tn-1'), NO_REQUEST)).toEqual(originOf(systemActor('tn-1')));
    expect(userIdOf(user)).toBe('u-1');
    expect(userIdOf(systemActor('tn-1'))).toBeNull();
  });

  it('a record it may not read is not found (404); one it reads but may not change is forbidden (403)', () => {
    const own = { id: 't-1', name: 'Mine' };
    const other = { id: 't-2', name: 'Theirs' };
    const noReader: Actor = { ...user, ability: buildAbility([], attributes) };
    expect(assertRecordAccess(user, 'update', 'Team', own, 'Team')).toBe(own);
    expect(codeOf(() => assertRecordAccess(user, 'update', 'Team', other, 'Team'))).toBe('forbidden');
    expect(codeOf(() => assertRecordAccess(user, 'read', 'Team', other, 'Team'))).toBeNull();
    expect(codeOf(() => assertRecordAccess(noReader, 'update', 'Team', own, 'Team'))).toBe('not_found');
    expect(codeOf(() => assertRecordAccess(user, 'read', 'Team', null, 'Team'))).toBe('not_found');
  });
});
