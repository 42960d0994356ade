import { canonicalDigest, canonicalJson } from './canonical-digest.js';

describe('canonicalDigest', () => {
  it('does not depend on the order of object keys, at any depth', () => {
    expect(canonicalDigest({ id: 1, tags: { b: 2, a: 1 } })).toBe(canonicalDigest({ tags: { a: 1, b: 2 }, id: 1 }));
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });

  it('tells apart what differs: a value, an array order, a type', () => {
    const digests = [{ id: 1 }, { id: 2 }, { id: '1' }, { ids: [1, 2] }, { ids: [2, 1] }, {}].map(canonicalDigest);
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('drops undefined members as JSON does, and is short opaque text', () => {
    expect(canonicalDigest({ id: 1, note: undefined })).toBe(canonicalDigest({ id: 1 }));
    expect(canonicalDigest({ id: 1 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
