import { DomainError } from '@helpdesk/domain';
import { decodeCursor, decodeSeqCursor, encodeCursor, encodeSeqCursor } from './pagination';

const cursorOf = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

function refusal(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error) {
    return error instanceof DomainError ? { code: error.code, fields: error.fieldErrors.map((e) => e.field) } : error;
  }
  return 'accepted';
}

const REFUSED = { code: 'validation_failed', fields: ['cursor'] };

describe('id cursors', () => {
  it('give back the id they were made of', () => {
    const id = '3de8d6cc-b45a-4eef-a0a0-300d60fbb5d2';
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it.each([
    ['not base64url JSON', 'not a cursor'],
    ['JSON that is not an object', cursorOf('"3de8d6cc-b45a-4eef-a0a0-300d60fbb5d2"')],
    ['null', cursorOf('null')],
    ['an id that is not a UUID', cursorOf('{"id":"x"}')],
    ['an id that is a number', cursorOf('{"id":1e300}')],
    ['an id with a NUL', cursorOf('{"id":"3de8d6cc-b45a-4eef-a0a0-300d60fbb5d2\\u0000"}')],
    ['a seq cursor', encodeSeqCursor(3)],
  ])('refuse %s with a 422 on field cursor', (_, cursor) => {
    expect(refusal(() => decodeCursor(cursor))).toEqual(REFUSED);
  });
});

describe('seq cursors (the audit trail)', () => {
  it.each([0, 1, 41, Number.MAX_SAFE_INTEGER])('give back the seq %s they were made of', (seq) => {
    expect(decodeSeqCursor(encodeSeqCursor(seq))).toBe(seq);
  });

  it.each([
    ['1e300', '{"seq":1e300}'],
    ['2^70', `{"seq":${2 ** 70}}`],
    ['2^63, just past a bigint', '{"seq":9223372036854775808}'],
    ['2^53 + 2, not exact in JSON', '{"seq":9007199254740994}'],
    ['1e21, which JavaScript writes as 1e+21', '{"seq":1e21}'],
    ['a negative seq', '{"seq":-1}'],
    ['a fraction', '{"seq":1.5}'],
    ['a string', '{"seq":"1"}'],
    ['an id cursor', JSON.stringify({ id: '3de8d6cc-b45a-4eef-a0a0-300d60fbb5d2' })],
    ['an array', '[1]'],
  ])('refuse %s with a 422 on field cursor', (_, json) => {
    expect(refusal(() => decodeSeqCursor(cursorOf(json)))).toEqual(REFUSED);
  });
});
