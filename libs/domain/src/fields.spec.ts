import { definedFields } from './fields';

describe('definedFields', () => {
  it('leaves out fields holding undefined, as a class instance with standard class fields has them', () => {
    class Patch {
      title?: string = undefined;
      description?: string = undefined;
      status?: string = undefined;
    }
    const patch = Object.assign(new Patch(), { title: 'x' });
    expect(Object.keys(patch)).toEqual(['title', 'description', 'status']);
    expect(definedFields(patch)).toEqual({ title: 'x' });
    expect(Object.keys(definedFields(patch))).toEqual(['title']);
  });

  it('keeps null, false, 0, empty strings and empty arrays: they are values', () => {
    const input = { a: null, b: false, c: 0, d: '', e: [] as string[], f: undefined };
    expect(definedFields(input)).toEqual({ a: null, b: false, c: 0, d: '', e: [] });
    expect('f' in definedFields(input)).toBe(false);
  });

  it('gives an empty object for an empty change and does not touch its input', () => {
    const input = { a: undefined };
    expect(definedFields({})).toEqual({});
    expect(definedFields(input)).toEqual({});
    expect('a' in input).toBe(true);
  });
});
