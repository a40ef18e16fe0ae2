import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsDate, registerDecorator } from 'class-validator';

/**
 * The years an instant sent to the API may fall in. PostgreSQL's timestamptz holds 4713 BC to
 * 294276 AD, JavaScript dates reach 271821 BC: a date outside the one and inside the other was a
 * 500. Years 1 to 9999 are what ISO 8601 writes without a sign, and all any ticket needs.
 */
export const EARLIEST_YEAR = 1;
export const LATEST_YEAR = 9999;
export const IS_STORABLE_INSTANT = 'isStorableInstant';

function IsWithinStorableYears(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: IS_STORABLE_INSTANT,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must be between ${EARLIEST_YEAR}-01-01 and ${LATEST_YEAR}-12-31 (UTC)` },
      validator: {
        // Not a date at all is IsDate's to report.
        validate: (value: unknown) =>
          !(value instanceof Date) || Number.isNaN(value.getTime()) || (value.getUTCFullYear() >= EARLIEST_YEAR && value.getUTCFullYear() <= LATEST_YEAR),
      },
    });
}

/**
 * An instant in a body or a query: ISO 8601 text (or epoch milliseconds in JSON) made a Date,
 * refused with a 422 unless it is a valid date within years EARLIEST_YEAR to LATEST_YEAR. Every
 * date field of every DTO uses this (a unit test checks), never `@Type(() => Date) @IsDate()`
 * alone.
 */
export function IsInstant(): PropertyDecorator {
  return applyDecorators(
    Type(() => Date),
    IsDate(),
    IsWithinStorableYears(),
  );
}
