import { jsonNestingBeyond, MAX_JSON_DEPTH } from './json-body';

const objects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonNestingBeyond', () => {
  it('passes bodies up to the limit, objects and arrays alike', () => {
    expect(jsonNestingBeyond(objects(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBeNull();
    expect(jsonNestingBeyond(arrays(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBeNull();
    const body = '{"title":"x","tags":["a"],"metadata":{"k":[1,{"n":null}]}}'; // body, metadata, k, {n}: 4 levels
    expect(jsonNestingBeyond(body, 4)).toBeNull();
    expect(jsonNestingBeyond(body, 3)).toBe('metadata');
    expect(jsonNestingBeyond('"just a string"', 1)).toBeNull();
  });

  it('stops one level past the limit', () => {
    expect(jsonNestingBeyond(objects(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).not.toBeNull();
    expect(jsonNestingBeyond(arrays(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).not.toBeNull();
  });

  it('names the top-level member the nesting happens under', () => {
    expect(jsonNestingBeyond(`{"title":"x","metadata":${objects(40)}}`, MAX_JSON_DEPTH)).toBe('metadata');
    expect(jsonNestingBeyond(`{"a\\"b":${arrays(40)}}`, MAX_JSON_DEPTH)).toBe('a"b');
    expect(jsonNestingBeyond(`[1,"x",${arrays(40)}]`, MAX_JSON_DEPTH)).toBe('[2]');
    expect(jsonNestingBeyond(`{"key":"value",${objects(40).slice(1)}`, MAX_JSON_DEPTH)).toBe('a');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingBeyond(JSON.stringify({ note: '[[[[{{{{'.repeat(100), quoted: 'say \\"[[[[\\"' }), 2)).toBeNull();
    expect(jsonNestingBeyond('{"a":"\\\\",' + '"b":[[[1]]]}', 3)).toBe('b');
  });

  it('reads a megabyte of nesting without parsing or recursing', () => {
    expect(jsonNestingBeyond(arrays(512 * 1024), MAX_JSON_DEPTH)).toBe('[0]');
  });
});
