import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldError, unstorableTextErrors } from '@helpdesk/domain';

/**
 * The DTO a handler receives holds exactly the fields the caller sent. Compiled with standard
 * class fields (`useDefineForClassFields`, the default from ES2022 on), every declared property of
 * a DTO instance exists and is `undefined` until set: a use case iterating its keys would take an
 * absent field for "set to undefined". Such keys are removed here, in nested DTOs too.
 */
class SentFieldsValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A DTO body is a JSON object: `null`, an array or a bare value would skip validation. (No body
    // at all validates as an empty object: its required fields are missing.)
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object && value !== undefined && !isObject) {
      throw DomainError.validation([{ field: 'body', message: 'must be a JSON object' }]);
    }
    refuseUnstorableText(value, metadata);
    return withoutUndefinedFields(await super.transform(value, metadata));
  }
}

/**
 * Before any validator sees them: a body or query holding a NUL character or an unpaired
 * surrogate anywhere (in a value or a key, at any depth, in a field that is validated or not) is
 * a 422 naming each such field. PostgreSQL cannot store such text (NUL fails the statement, a
 * surrogate becomes U+FFFD in text and fails in jsonb), and some validators throw on it.
 */
function refuseUnstorableText(value: unknown, metadata: ArgumentMetadata): void {
  if (metadata.type !== 'body' && metadata.type !== 'query') return;
  const errors = unstorableTextErrors(value, metadata.data ?? metadata.type);
  if (errors.length > 0) throw DomainError.validation(errors);
}

export function withoutUndefinedFields<T>(value: T): T {
  if (Array.isArray(value)) {
    value.forEach(withoutUndefinedFields);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const key of Object.keys(value)) {
      const field = (value as Record<string, unknown>)[key];
      if (field === undefined) delete (value as Record<string, unknown>)[key];
      else if (typeof field === 'object' && field !== null && Object.getPrototypeOf(field) !== Object.prototype) withoutUndefinedFields(field);
    }
  }
  return value;
}

/** Whitelist, refuse unknown fields, convert types, and report every failing field as a 422. */
export function createValidationPipe(): ValidationPipe {
  return new SentFieldsValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => DomainError.validation(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
