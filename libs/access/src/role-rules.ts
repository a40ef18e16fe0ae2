import { ACTIONS, SUBJECTS, FieldError } from '@helpdesk/domain';
import { SUBJECT_FIELDS } from './subject-fields';
import { rulesToSql, UnsupportedConditionError } from './rules-to-sql';
import { createMongoAbility } from '@casl/ability';

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
const PLACEHOLDER = /\$\{user\.([a-z_]+)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{user\.([a-z_]+)\}$/;

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

function attribute(user: PrincipalAttributes, name: string): unknown {
  if (!(PLACEHOLDER_ATTRIBUTES as readonly string[]).includes(name)) {
    throw new UnsupportedConditionError(`unknown placeholder \${user.${name}}`);
  }
  const value = user[name as keyof PrincipalAttributes];
  if (value === null || value === undefined) throw new MissingAttribute(name);
  return value;
}

const SAMPLE_USER: PrincipalAttributes = {
  id: '00000000-0000-0000-0000-000000000000',
  email: 'sample@example.com',
  role: 'sample',
  team_ids: [],
  franchise_id: 'sample',
  region: 'sample',
};

/**
 * Checks a role's rules before they are stored: known actions and subjects, conditions only on
 * whitelisted fields with supported operators, known placeholders. Returns field errors.
 */
export function validateRoleRules(rules: unknown): FieldError[] {
  if (!Array.isArray(rules)) return [{ field: 'rules', message: 'must be an array of rules' }];
  const errors: FieldError[] = [];
  rules.forEach((rule: RoleRule, index) => {
    const at = `rules[${index}]`;
    if (typeof rule !== 'object' || rule === null) {
      errors.push({ field: at, message: 'must be an object' });
      return;
    }
    const actions = toArray(rule.action);
    const subjects = toArray(rule.subject);
    if (actions.length === 0 || actions.some((a) => !(ACTIONS as readonly string[]).includes(a))) {
      errors.push({ field: `${at}.action`, message: `must be one or more of ${ACTIONS.join(', ')}` });
    }
    if (subjects.length === 0 || subjects.some((s) => !(SUBJECTS as readonly string[]).includes(s))) {
      errors.push({ field: `${at}.subject`, message: `must be one or more of ${SUBJECTS.join(', ')}` });
    }
    if (rule.fields !== undefined && (!Array.isArray(rule.fields) || rule.fields.some((f) => typeof f !== 'string'))) {
      errors.push({ field: `${at}.fields`, message: 'must be an array of strings' });
    }
    if (rule.inverted !== undefined && typeof rule.inverted !== 'boolean') {
      errors.push({ field: `${at}.inverted`, message: 'must be a boolean' });
    }
    if (rule.conditions === undefined) return;
    if (typeof rule.conditions !== 'object' || rule.conditions === null || Array.isArray(rule.conditions)) {
      errors.push({ field: `${at}.conditions`, message: 'must be an object' });
      return;
    }
    for (const subject of subjects) {
      if (subject === 'all') {
        errors.push({ field: `${at}.conditions`, message: 'conditions need a specific subject, not "all"' });
        continue;
      }
      const fields = SUBJECT_FIELDS[subject as keyof typeof SUBJECT_FIELDS];
      if (!fields) continue;
      try {
        const interpolated = interpolateRules([{ action: 'read', subject, conditions: rule.conditions }], SAMPLE_USER);
        rulesToSql(createMongoAbility(interpolated as never), 'read', subject, { alias: 'x', fields });
      } catch (error) {
        errors.push({ field: `${at}.conditions`, message: (error as Error).message });
      }
    }
  });
  return errors;
}

export function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
