import { ACTIONS, FieldError, SUBJECTS } from '@helpdesk/domain';
import { buildAbility, subjectOf } from './ability.factory';
import { PrincipalAttributes, RoleRule, toArray } from './role-rules';
import { rulesToSql } from './rules-to-sql';
import { FieldKind, SUBJECT_FIELDS } from './subject-fields';
/**
 * The properties of a stored rule. CASL ignores any other, so a misspelt one (`condition`) would
 * grant the rule without its conditions: refuse it instead.
 */
const RULE_PROPERTIES = ['action', 'subject', 'conditions', 'fields', 'inverted', 'reason'];

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
    for (const property of Object.keys(rule).filter((key) => !RULE_PROPERTIES.includes(key))) {
      errors.push({ field: `${at}.${property}`, message: `is not a rule property; known: ${RULE_PROPERTIES.join(', ')}` });
    }
    const actions = toArray(rule.action);
    const subjects = toArray(rule.subject);
    if (actions.length === 0 || actions.some((a) => !(ACTIONS as readonly string[]).includes(a))) {
      errors.push({ field: `${at}.action`, message: `must be one or more of ${ACTIONS.join(', ')}` });
    }
    if (subjects.length === 0 || subjects.some((s) => !(SUBJECTS as readonly string[]).includes(s))) {
      errors.push({ field: `${at}.subject`, message: `must be one or more of ${SUBJECTS.join(', ')}` });
    }
    if (rule.fields !== undefined && (!Array.isArray(rule.fields) || rule.fields.length === 0 || rule.fields.some((f) => typeof f !== 'string' || !f))) {
      errors.push({ field: `${at}.fields`, message: 'must be a non-empty array of field names' });
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
        // Compile to SQL and judge a sample record with CASL: a rule either side refuses is refused here.
        const ability = buildAbility([{ action: 'read', subject, conditions: rule.conditions }], SAMPLE_USER);
        rulesToSql(ability, 'read', subject, { alias: 'x', fields });
        ability.can('read', subjectOf(subject, sampleRecord(fields)));
      } catch (error) {
        errors.push({ field: `${at}.conditions`, message: (error as Error).message });
      }
    }
  });
  return errors;
}

const SAMPLE_VALUES: Record<FieldKind, unknown> = { scalar: 'sample', number: 1, array: ['sample'] };

function sampleRecord(fields: Record<string, FieldKind>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, kind]) => [name, SAMPLE_VALUES[kind]]));
}
