import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

/** `depth` levels of `open`/`close` around `inner`, as JSON text. */
const nested = (depth: number, open = '[', close = ']', inner = '') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

describe('nestsDeeperThan', () => {
  it('counts the value itself as level 1; scalars nest nothing', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
  });

  it('finds the deep branch among shallow siblings, in arrays and objects', () => {
    const wide = { a: 1, b: [1, 2, {}], c: { d: { e: JSON.parse(nested(10)) } } };
    expect(nestsDeeperThan(wide, 13)).toBe(false);
    expect(nestsDeeperThan(wide, 12)).toBe(true);
  });

  it('walks 100,000 levels of objects or arrays without overflowing the stack', () => {
    expect(nestsDeeperThan(JSON.parse(nested(100_000)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(nested(100_000, '{"a":', '}', '1')), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
  });
});
