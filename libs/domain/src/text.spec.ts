import { isStorableText, UNSTORABLE_TEXT_MESSAGE, unstorableTextErrors } from './text';

describe('isStorableText', () => {
  it.each([
    ['plain ASCII', 'Card terminal offline'],
    ['the empty string', ''],
    ['letters of any script', 'Überweisung – 払い戻し – استرداد'],
    ['a surrogate pair (emoji, astral letters)', 'paid 💳 𝒜'],
    ['U+FFFD itself', 'bad \ufffd byte'],
    ['control characters other than NUL', 'tab\there\r\n\u0001'],
  ])('accepts %s', (_, text) => {
    expect(isStorableText(text)).toBe(true);
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['only a NUL', '\u0000'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a high surrogate at the end', 'end\udbff'],
    ['a lone low surrogate', '\udc00start'],
    ['two high surrogates', '\ud800\ud800\udc00'],
    ['a pair in the wrong order', '\udc00\ud800'],
  ])('refuses %s', (_, text) => {
    expect(isStorableText(text)).toBe(false);
  });
});

describe('unstorableTextErrors', () => {
  const error = (field: string) => ({ field, message: UNSTORABLE_TEXT_MESSAGE });

  it('finds nothing in a body of storable values, numbers, booleans and nulls', () => {
    expect(unstorableTextErrors({ title: 'ok 💳', tags: ['a', 'b'], n: 1, b: true, z: null, metadata: { deep: [{ x: 'y' }] } }, 'body')).toEqual([]);
  });

  it('names every bad value by its path, in document order', () => {
    const body = { title: 'a\u0000', tags: ['ok', '\ud800'], metadata: { note: { inner: ['x', 'y\udfff'] } } };
    expect(unstorableTextErrors(body, 'body')).toEqual([error('title'), error('tags[1]'), error('metadata.note.inner[1]')]);
  });

  it('names a bad key with its bad characters shown as U+FFFD', () => {
    expect(unstorableTextErrors({ metadata: { 'k\u0000ey': 1 } }, 'body')).toEqual([
      { field: 'metadata.k\ufffdey', message: `is a key that ${UNSTORABLE_TEXT_MESSAGE}` },
    ]);
  });

  it('names a bad string that is the whole value by the root name, and array roots by index', () => {
    expect(unstorableTextErrors('\u0000', 'body')).toEqual([error('body')]);
    expect(unstorableTextErrors(['ok', '\ud800'], 'body')).toEqual([error('[1]')]);
  });

  it('stops after `limit` errors', () => {
    expect(
      unstorableTextErrors(
        Array.from({ length: 100 }, () => '\u0000'),
        'body',
        5,
      ),
    ).toHaveLength(5);
  });

  it('walks values nested far deeper than the call stack allows', () => {
    let value: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(unstorableTextErrors(value, 'body')).toEqual([error(`${'[0]'.repeat(100_000)}`)]);
  });
});
