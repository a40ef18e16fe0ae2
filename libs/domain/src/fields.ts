/** `T` with the keys whose values are `undefined` left out of the type too. */
export type DefinedFields<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * The fields of a change that were given. An absent field and a field holding `undefined` both
 * mean "leave it as it is" (standard class fields create every declared property as `undefined`);
 * `null` is a value and stays.
 */
export function definedFields<T extends object>(input: T): DefinedFields<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as DefinedFields<T>;
}
