import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but not set to null: for columns that cannot be empty. `IsOptional`
 * skips validation of null too, and the null would then reach the database (a 500, not a 422).
 */
export const IsOmittable = () => ValidateIf((_: object, value: unknown) => value !== undefined);
