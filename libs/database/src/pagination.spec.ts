import { DomainError } from '@helpdesk/domain';
import { decodeCursor, decodeSeqCursor, encodeCursor, encodeSeqCursor, keyset } from './pagination';

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

describe('keyset plans', () => {
  const id = '3de8d6cc-b45a-4eef-a0a0-300d60fbb5d2';
  const tenant = '0f5a3c1e-7a2b-4c3d-9e8f-102030405060';

  it('order by the key then the id, and fetch one row more than the page', () => {
    const plan = keyset({ cursor: 'rows', table: 'tickets', key: (a) => `${a}.updated_at`, descending: true }, 't', tenant, { limit: 25 });
    expect(plan.after).toBeNull();
    expect(plan.orderBy).toBe('t.updated_at DESC, t.id DESC');
    expect(plan.fetch).toBe(26);
  });

  it("read the cursor row's own key, of the tenant, and compare in the order's direction", () => {
    const ascending = keyset({ cursor: 'rows', table: 'teams' }, 't', tenant, { limit: 2, cursor: encodeCursor(id) });
    expect(ascending.after).toEqual({
      sql: '(t.created_at, t.id) > (SELECT c.created_at, c.id FROM teams c WHERE c.id = :keysetCursor AND c.tenant_id = :keysetTenant)',
      params: { keysetCursor: id, keysetTenant: tenant },
    });
    const descending = keyset({ cursor: 'rows', table: 'teams', descending: true }, 't', tenant, { limit: 2, cursor: encodeCursor(id) });
    expect(descending.after?.sql).toContain('(t.created_at, t.id) < (SELECT');
  });

  it('take a seq cursor as the key itself', () => {
    const plan = keyset({ cursor: 'seq', column: 'seq' }, 'a', tenant, { limit: 10, cursor: encodeSeqCursor(41) });
    expect(plan.after).toEqual({ sql: 'a.seq > :keysetSeq', params: { keysetSeq: 41 } });
    expect(plan.orderBy).toBe('a.seq ASC');
  });

  it('refuse a malformed cursor, or one of the other kind, before any query', () => {
    expect(refusal(() => keyset({ cursor: 'rows', table: 'teams' }, 't', tenant, { limit: 2, cursor: encodeSeqCursor(1) }))).toEqual(REFUSED);
    expect(refusal(() => keyset({ cursor: 'seq', column: 'seq' }, 'a', tenant, { limit: 2, cursor: encodeCursor(id) }))).toEqual(REFUSED);
  });
});
