import { buildMongoQueryMatcher, createMongoAbility, MongoAbility, subject as asSubject } from '@casl/ability';
import { $and, $nor, $not, $or, and, nor, not, or } from '@ucast/mongo2js';
import { ApiKeyScope } from '@helpdesk/domain';
import { interpolateRules, PrincipalAttributes, RoleRule } from './role-rules';
import { narrowRulesToScopes } from './scopes';

export type AppAbility = MongoAbility;

// CASL's default matcher does not know the logical operators; the SQL translation does, and both
// sides must judge a record alike.
const conditionsMatcher = buildMongoQueryMatcher({ $and, $or, $nor, $not }, { and, or, nor, not });

/**
 * Builds the caller's ability from its role's stored rules: placeholders filled from the caller,
 * then narrowed by API key scopes when the caller is a key. Both apps use this one function.
 */
export function buildAbility(roleRules: RoleRule[], user: PrincipalAttributes, scopes?: ApiKeyScope[]): AppAbility {
  let rules = interpolateRules(roleRules, user);
  if (scopes) rules = narrowRulesToScopes(rules, scopes);
  return createMongoAbility(rules as never, { conditionsMatcher });
}

/** Tags a plain row with its subject type so that CASL checks its conditions. */
export function subjectOf<T extends object>(type: string, record: T): T {
  return asSubject(type, { ...record });
}
