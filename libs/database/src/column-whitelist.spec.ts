import { ColumnWhitelist, columnsOf } from './sql';

describe('column whitelists', () => {
  const whitelist = new ColumnWhitelist('tickets', ['title', 'status']);

  it("give the entries of keys they declare, in the object's order", () => {
    expect(whitelist.entries({ status: 'open', title: 'Printer on fire' })).toEqual([
      ['status', 'open'],
      ['title', 'Printer on fire'],
    ]);
  });

  it.each([
    ['a key that is not a column', { title: 'x', 'title = 1; DROP TABLE tickets; --': 'x' }],
    ['a column outside the list', { title: 'x', version: 3 }],
    ['a key inherited by name only', JSON.parse('{"__proto__": 1, "title": "x"}')],
  ])('throw on %s, naming it and the table', (_, values) => {
    expect(() => whitelist.entries(values)).toThrow(/is not a column that may be written to tickets/);
  });

  it('built from a row type, name every key of it', () => {
    interface Row {
      a: string;
      b: number;
    }
    expect(columnsOf<Row>()('rows', ['a', 'b']).columns).toEqual(['a', 'b']);
  });
});
