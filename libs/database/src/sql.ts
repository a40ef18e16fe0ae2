/** A condition with TypeORM-style `:name` parameters, as libs/access produces for a caller. */
export interface AccessCondition {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Collects positional parameters for hand-written SQL, and folds in conditions written with
 * TypeORM-style `:name` parameters (the access filter from libs/access).
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Rewrites `:name` parameters of a condition to positional ones. */
  named(sql: string, params: Record<string, unknown>): string {
    return sql.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (match, name: string) => (name in params ? this.add(params[name]) : match));
  }
}

/**
 * The columns that SQL built from an object's keys may name, declared once per table and statement:
 * a key that is not in the list (a typo, a field that is not a column) throws instead of becoming SQL.
 */
export class ColumnWhitelist<K extends string> {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    readonly table: string,
    readonly columns: readonly K[],
  ) {
    this.allowed = new Set(columns);
  }

  /** The object's entries as (column, value) pairs; throws on a key the list does not declare. */
  entries(values: object): Array<[K, unknown]> {
    return Object.entries(values).map(([key, value]) => {
      if (!this.allowed.has(key)) throw new Error(`"${key}" is not a column that may be written to ${this.table} here`);
      return [key as K, value];
    });
  }
}

/**
 * A whitelist naming every key of T and nothing else, checked by the compiler: when T gains a field
 * the list must name it (`missing` in the error), and a name that is not a key of T does not compile.
 */
export function columnsOf<T extends object>() {
  return <const L extends ReadonlyArray<keyof T & string>>(
    table: string,
    columns: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, L[number]> }),
  ): ColumnWhitelist<L[number]> => new ColumnWhitelist(table, columns);
}
