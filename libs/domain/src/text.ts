import { FieldError } from './errors';

/**
 * Text PostgreSQL cannot keep as it was sent: a NUL character (text and jsonb refuse it) or a
 * UTF-16 surrogate without its pair (jsonb refuses its escape; text silently stores U+FFFD, and
 * validators that encode the string, such as the email check, throw on it).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The text with every NUL and unpaired surrogate replaced by U+FFFD, for naming a bad key in a message. */
function printable(text: string): string {
  return text.replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd');
}

/**
 * Field errors for every string in a decoded JSON body or query (values and keys alike, at any
 * depth) that PostgreSQL cannot store, named by path as the validation errors name fields
 * (`title`, `metadata.note`, `tags[0]`; a bad string that is the whole value is named `root`); at
 * most `limit` of them. Walks without recursion, so any depth is safe.
 */
export function unstorableTextErrors(value: unknown, root: string, limit = 20): FieldError[] {
  const errors: FieldError[] = [];
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (pending.length > 0 && errors.length < limit) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === 'string') {
      if (!isStorableText(current)) errors.push({ field: path || root, message: UNSTORABLE_TEXT_MESSAGE });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push({ value: current[i], path: `${path}[${i}]` });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i];
        const field = path ? `${path}.${printable(key)}` : printable(key);
        if (!isStorableText(key)) errors.push({ field, message: `is a key that ${UNSTORABLE_TEXT_MESSAGE}` });
        pending.push({ value: inner, path: field });
      }
    }
  }
  return errors.slice(0, limit);
}
