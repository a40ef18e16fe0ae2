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
