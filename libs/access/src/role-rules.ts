import { UnsupportedConditionError } from './rules-to-sql';

/** A role's rule as stored in `roles.rules`: CASL's raw rule shape with `${user.x}` placeholders. */
export interface RoleRule {
  action: string | string[];
  subject: string | string[];
  conditions?: Record<string, unknown>;
  fields?: string[];
  inverted?: boolean;
  reason?: string;
}

/** The attributes of the caller that placeholders may name. */
export interface PrincipalAttributes {
  id: string;
  email: string | null;
  role: string;
  team_ids: string[];
  franchise_id: string | null;
  region: string | null;
}

export const PLACEHOLDER_ATTRIBUTES: ReadonlyArray<keyof PrincipalAttributes> = ['id', 'email', 'role', 'team_ids', 'franchise_id', 'region'];
// Anything between ${ and } is taken as a placeholder, so that a misspelt one is an error, not a literal.
const PLACEHOLDER = /\$\{([^}]*)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{([^}]*)\}$/;

class MissingAttribute extends Error {}

/**
 * Replaces `${user.x}` placeholders with the caller's attributes. A value that is exactly one
 * placeholder takes the attribute's own type (an array stays an array).
 *
 * A rule whose placeholder names an attribute the caller lacks (no franchise, no region) must not
 * widen access: a `can` rule is dropped (it grants nothing), a `cannot` rule loses its conditions
 * (it denies the whole action on the subject).
 */
export function interpolateRules(rules: RoleRule[], user: PrincipalAttributes): RoleRule[] {
  const result: RoleRule[] = [];
  for (const rule of rules) {
    if (!rule.conditions) {
      result.push(rule);
      continue;
    }
    try {
      result.push({ ...rule, conditions: interpolateValue(rule.conditions, user) as Record<string, unknown> });
    } catch (error) {
      if (!(error instanceof MissingAttribute)) throw error;
      if (rule.inverted) result.push({ ...rule, conditions: undefined });
    }
  }
  return result;
}

function interpolateValue(value: unknown, user: PrincipalAttributes): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole) return attribute(user, whole[1]);
    return value.replace(PLACEHOLDER, (_, name: string) => String(attribute(user, name)));
  }
  if (Array.isArray(value)) return value.map((item) => interpolateValue(item, user));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateValue(v, user)]));
  }
  return value;
}

function attribute(user: PrincipalAttributes, placeholder: string): unknown {
  const name = placeholder.startsWith('user.') ? placeholder.slice('user.'.length) : '';
  if (!(PLACEHOLDER_ATTRIBUTES as readonly string[]).includes(name)) {
    throw new UnsupportedConditionError(`unknown placeholder \${${placeholder}}; known: ${PLACEHOLDER_ATTRIBUTES.map((a) => `\${user.${a}}`).join(', ')}`);
  }
  const value = user[name as keyof PrincipalAttributes];
  if (value === null || value === undefined) throw new MissingAttribute(name);
  return value;
}

export function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * A role that may do everything: an unconditioned `manage all` and no rule taking anything away.
 * Only such a role may hand out credentials acting as another role (see docs/security.md).
 */
export function isUnrestricted(rules: readonly RoleRule[]): boolean {
  const grantsAll = rules.some(
    (rule) => !rule.inverted && toArray(rule.action).includes('manage') && toArray(rule.subject).includes('all') && !rule.conditions && !rule.fields,
  );
  return grantsAll && !rules.some((rule) => rule.inverted);
}
