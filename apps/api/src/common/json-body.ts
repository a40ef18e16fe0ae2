import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { DomainError } from '@helpdesk/domain';

/**
 * How deep arrays and objects may nest in a request body. The deepest body the API documents (a
 * role's rules with `$in` conditions, an SLA calendar) nests about 6 levels; validators, the
 * serialiser and PostgreSQL's jsonb all recurse, and a body nested thousands of levels deep
 * overflowed the stack (a 500) before this limit.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Where a JSON text first nests arrays and objects more than `limit` levels deep, as the path of
 * the top-level member it happens under (`metadata`, `[0]`, or '' when that cannot be told);
 * null if it never does. Reads the text once, without parsing or recursing, so that a deep body
 * is refused before anything builds it; text that is not JSON is left to the parser.
 */
export function jsonNestingBeyond(text: string, limit: number): string | null {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastTopString: [number, number] | null = null;
  let rootIsArray = false;
  let topIndex = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c /* \ */) escaped = true;
      else if (c === 0x22 /* " */) {
        inString = false;
        if (depth === 1) lastTopString = [stringStart, i + 1];
      }
      continue;
    }
    switch (c) {
      case 0x22 /* " */:
        inString = true;
        stringStart = i;
        break;
      case 0x7b /* { */:
      case 0x5b /* [ */:
        depth++;
        if (depth === 1) rootIsArray = c === 0x5b;
        if (depth > limit) return topLevelMember(text, rootIsArray, topIndex, lastTopString);
        break;
      case 0x7d /* } */:
      case 0x5d /* ] */:
        depth--;
        break;
      case 0x2c /* , */:
        if (depth === 1) topIndex++;
        break;
    }
  }
  return null;
}

function topLevelMember(text: string, rootIsArray: boolean, index: number, key: [number, number] | null): string {
  if (rootIsArray) return `[${index}]`;
  if (!key) return '';
  try {
    const name: unknown = JSON.parse(text.slice(key[0], key[1]));
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks, 400 for malformed or empty
 * JSON, the app's body limit and its 413) behind a check of the nesting depth, which refuses a
 * deeper body with a 422 before it is parsed. Registered through Nest, which then registers no
 * other body parser: every other media type, form bodies included, is a 415.
 */
export function useJsonBodyParser(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { bodyLimit, onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parse = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (request, body, done) => {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    const member = jsonNestingBeyond(text, MAX_JSON_DEPTH);
    if (member !== null) {
      const message = `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep`;
      done(
        DomainError.validation([{ field: member || 'body', message }], `The JSON body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`),
        undefined,
      );
      return;
    }
    void parse(request, text, done);
  });
}
