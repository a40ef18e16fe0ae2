import { createMongoAbility, MongoAbility, subject as asSubject } from '@casl/ability';
import { ApiKeyScope } from '@helpdesk/domain';
import { interpolateRules, PrincipalAttributes, RoleRule } from './role-rules';
import { narrowRulesToScopes } from './scopes';

export type AppAbility = MongoAbility;

/**
 * Builds the caller's ability from its role's stored rules: placeholders filled from the caller,
 * then narrowed by API key scopes when the caller is a key. Both apps use this one function.
 */
export function buildAbility(roleRules: RoleRule[], user: PrincipalAttributes, scopes?: ApiKeyScope[]): AppAbility {
  let rules = interpolateRules(roleRules, user);
  if (scopes) rules = narrowRulesToScopes(rules, scopes);
  return createMongoAbility(rules as never);
}

/** Tags a plain row with its subject type so that CASL checks its conditions. */
export function subjectOf<T extends object>(type: string, record: T): T {
  return asSubject(type, { ...record });
}
