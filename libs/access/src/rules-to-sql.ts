import type { AnyMongoAbility } from '@casl/ability';
import { FieldKind } from './subject-fields';

export interface SqlCondition {
  /**
   * A boolean SQL expression; `FALSE` when no rule grants anything. A comparison with a NULL
   * column may yield NULL, which WHERE treats as false; every negation inside is NULL-safe.
   */
  sql: string;
  /** Named parameters in TypeORM's `:name` style. */
  params: Record<string, unknown>;
}

export interface RulesToSqlOptions {
  /** Table alias, quoted into every column reference. */
  alias: string;
  /** Fields the conditions may name and how they are stored; anything else is an error. */
  fields: Record<string, FieldKind>;
  /** Prefix of the parameter names, so that several filters can share one query. */
  paramPrefix?: string;
  /**
   * Only the rules that let the caller read this field of the record (CASL's field-level rules):
   * the records on which a filter or sort by the field reveals nothing hidden.
   */
  field?: string;
}

export class UnsupportedConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedConditionError';
  }
}

const TRUE = 'TRUE';
const FALSE = 'FALSE';

type Conditions = Record<string, unknown>;

/**
 * Translates the rules an ability holds for (action, subject) into one SQL condition, so that a
 * list shows exactly the rows that `ability.can(action, row)` would allow.
 *
 * CASL's semantics: among the rules that match a row, the one declared last wins. Folding the
 * rules from first to last gives the same answer: a `can` rule adds its rows (OR), a `cannot`
 * rule takes its rows away (AND NOT). The fold starts from FALSE, so a rule set that grants
 * nothing selects nothing. Every negation is NULL-safe, because SQL's NOT NULL is NULL where
 * CASL's "condition does not match" is simply false.
 */
export function rulesToSql(ability: AnyMongoAbility, action: string, subjectType: string, options: RulesToSqlOptions): SqlCondition {
  const compiler = new ConditionCompiler(options);
  // rulesFor lists the rules with the highest priority (the last declared) first.
  const rules = [...ability.rulesFor(action, subjectType, options.field)].reverse();
  let expression = FALSE;
  for (const rule of rules) {
    const condition = rule.conditions ? compiler.compile(rule.conditions as Conditions) : TRUE;
    expression = rule.inverted ? andNot(expression, condition) : or(expression, condition);
  }
  return { sql: expression, params: compiler.params };
}

function or(left: string, right: string): string {
  if (left === TRUE || right === TRUE) return TRUE;
  if (left === FALSE) return right;
  if (right === FALSE) return left;
  return `(${left} OR ${right})`;
}

function and(left: string, right: string): string {
  if (left === FALSE || right === FALSE) return FALSE;
  if (left === TRUE) return right;
  if (right === TRUE) return left;
  return `(${left} AND ${right})`;
}

function not(expression: string): string {
  if (expression === TRUE) return FALSE;
  if (expression === FALSE) return TRUE;
  return `NOT COALESCE(${expression}, FALSE)`;
}

function andNot(left: string, right: string): string {
  return and(left, not(right));
}

class ConditionCompiler {
  readonly params: Record<string, unknown> = {};
  private counter = 0;

  constructor(private readonly options: RulesToSqlOptions) {}

  compile(conditions: Conditions): string {
    const parts = Object.entries(conditions).map(([key, value]) => this.compileEntry(key, value));
    return parts.reduce(and, TRUE);
  }

  private compileEntry(key: string, value: unknown): string {
    switch (key) {
      case '$and':
        return this.list(key, value)
          .map((c) => this.compile(c))
          .reduce(and, TRUE);
      case '$or':
        return this.list(key, value)
          .map((c) => this.compile(c))
          .reduce(or, FALSE);
      case '$nor':
        return not(
          this.list(key, value)
            .map((c) => this.compile(c))
            .reduce(or, FALSE),
        );
      default:
        if (key.startsWith('$')) throw new UnsupportedConditionError(`operator ${key} is not supported at the top level`);
        return this.compileField(key, value);
    }
  }

  private list(operator: string, value: unknown): Conditions[] {
    if (!Array.isArray(value) || value.some((item) => !isPlainObject(item))) {
      throw new UnsupportedConditionError(`${operator} takes an array of condition objects`);
    }
    return value as Conditions[];
  }

  private compileField(field: string, value: unknown): string {
    const kind = this.options.fields[field];
    if (!kind) throw new UnsupportedConditionError(`field "${field}" cannot be used in a condition`);
    const column = `"${this.options.alias}"."${field}"`;
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      return Object.entries(value)
        .map(([operator, operand]) => this.compileOperator(column, kind, operator, operand))
        .reduce(and, TRUE);
    }
    return this.compileOperator(column, kind, '$eq', value);
  }

  private compileOperator(column: string, kind: FieldKind, operator: string, operand: unknown): string {
    if (kind === 'array') return this.compileArrayOperator(column, operator, operand);
    if (COMPARISONS[operator]) {
      // Only on NOT NULL numbers: CASL orders null below everything, SQL does not order it at all.
      if (kind !== 'number') throw new UnsupportedConditionError(`${operator} is only supported on numeric fields`);
      if (typeof operand !== 'number' || !Number.isFinite(operand)) throw new UnsupportedConditionError(`${operator} takes a number`);
      return `${column} ${COMPARISONS[operator]} ${this.param(operand)}`;
    }
    switch (operator) {
      case '$eq':
        return operand === null ? `${column} IS NULL` : `${column} = ${this.param(scalar(operator, operand))}`;
      case '$ne':
        return operand === null ? `${column} IS NOT NULL` : `${column} IS DISTINCT FROM ${this.param(scalar(operator, operand))}`;
      case '$in':
        return this.compileIn(column, array(operator, operand));
      case '$nin':
        return not(this.compileIn(column, array(operator, operand)));
      case '$not':
        if (!isPlainObject(operand)) throw new UnsupportedConditionError('$not takes an object of operators');
        return not(
          Object.entries(operand)
            .map(([op, value]) => this.compileOperator(column, kind, op, value))
            .reduce(and, TRUE),
        );
      default:
        throw new UnsupportedConditionError(`operator ${operator} is not supported`);
    }
  }

  private compileIn(column: string, values: unknown[]): string {
    const present = values.filter((v) => v !== null);
    // One value is written as plain equality: PostgreSQL can then walk an index on (column,
    // created_at) in order, which it does not do for = ANY(array) (a team-scoped agent's list).
    let expression = present.length === 0 ? FALSE : present.length === 1 ? `${column} = ${this.param(present[0])}` : `${column} = ANY(${this.param(present)})`;
    if (present.length !== values.length) expression = or(expression, `${column} IS NULL`);
    return expression;
  }

  /** Array columns follow MongoDB's semantics: a scalar operand matches when the array holds it. */
  private compileArrayOperator(column: string, operator: string, operand: unknown): string {
    switch (operator) {
      case '$eq':
        return `${this.param(element(operator, operand))} = ANY(${column})`;
      case '$ne':
        return not(`${this.param(element(operator, operand))} = ANY(${column})`);
      case '$in': {
        const values = array(operator, operand);
        return values.length === 0 ? FALSE : `${column} && ${this.param(values)}`;
      }
      case '$nin': {
        const values = array(operator, operand);
        return values.length === 0 ? TRUE : not(`${column} && ${this.param(values)}`);
      }
      case '$all':
        return `${column} @> ${this.param(array(operator, operand))}`;
      case '$size':
        if (!Number.isInteger(operand) || (operand as number) < 0) throw new UnsupportedConditionError('$size takes a whole number');
        return `cardinality(${column}) = ${this.param(operand)}`;
      default:
        throw new UnsupportedConditionError(`operator ${operator} is not supported on an array field`);
    }
  }

  private param(value: unknown): string {
    const name = `${this.options.paramPrefix ?? 'acl'}_${this.counter++}`;
    this.params[name] = value;
    return `:${name}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function scalar(operator: string, value: unknown): unknown {
  if (value === undefined || isPlainObject(value) || Array.isArray(value)) {
    throw new UnsupportedConditionError(`${operator} takes a single value`);
  }
  return value;
}

/** An array column holds no NULLs, so a NULL element to look for is a mistake, not a match. */
function element(operator: string, value: unknown): unknown {
  if (value === null) throw new UnsupportedConditionError(`${operator} on an array field takes a value, not null`);
  return scalar(operator, value);
}

const COMPARISONS: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

function array(operator: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new UnsupportedConditionError(`${operator} takes an array`);
  return value;
}
