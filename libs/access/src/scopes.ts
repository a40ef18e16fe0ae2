import { Action, API_KEY_SCOPES, ApiKeyScope, Subject } from '@helpdesk/domain';
import { RoleRule, toArray } from './role-rules';

/**
 * Narrows a role's rules to what an API key's scopes allow. Every `can` rule is cut down to the
 * (action, subject) pairs it shares with a scope, keeping its conditions and fields; `cannot`
 * rules stay as they are. A scope can therefore only take permissions away, never add one.
 */
export function narrowRulesToScopes(rules: RoleRule[], scopes: ApiKeyScope[]): RoleRule[] {
  const pairs: ReadonlyArray<readonly [Action, Subject]> = scopes.flatMap((scope): ReadonlyArray<readonly [Action, Subject]> => API_KEY_SCOPES[scope] ?? []);
  const narrowed: RoleRule[] = [];
  for (const rule of rules) {
    if (rule.inverted) {
      narrowed.push(rule);
      continue;
    }
    for (const ruleAction of toArray(rule.action)) {
      for (const ruleSubject of toArray(rule.subject)) {
        for (const [scopeAction, scopeSubject] of pairs) {
          const action = intersect(ruleAction, scopeAction, 'manage');
          const subject = intersect(ruleSubject, scopeSubject, 'all');
          if (action && subject) narrowed.push({ ...rule, action, subject });
        }
      }
    }
  }
  return narrowed;
}

function intersect(a: string, b: string, wildcard: string): string | null {
  if (a === wildcard) return b;
  if (b === wildcard) return a;
  return a === b ? a : null;
}
