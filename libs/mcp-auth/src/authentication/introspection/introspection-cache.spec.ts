import type { McpPrincipal } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import { IntrospectionCache, REFUSAL_CACHE_SECONDS } from './introspection-cache.js';

function principal(expiresAt?: number): McpPrincipal {
  return { sub: 's', id: 's', scopes: [], issuer: 'https://issuer', expiresAt, claims: {} };
}

describe('IntrospectionCache', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('keeps a result until the token expires when that comes before the maximum', () => {
    const cache = new IntrospectionCache(60, 10, clock);
    const kept = principal(now / 1000 + 10);
    cache.set('token', kept);
    now += 9_999;
    expect(cache.get('token')).toBe(kept);
    now += 1;
    expect(cache.get('token')).toBeUndefined();
  });

  it("keeps another replica's result no longer than it has left, and says how long it keeps each", () => {
    const cache = new IntrospectionCache(60, 10, clock);
    const kept = principal(now / 1000 + 30);
    expect(cache.set('token', kept, 2_000)).toBe(2_000);
    expect(cache.set('other', kept)).toBe(30_000);
    expect(cache.setRefusal('refused', new TokenRejection('inactive'), 500)).toBe(500);
    expect(cache.set('expired', principal(now / 1000 - 1))).toBe(0);
    now += 1_999;
    expect(cache.get('token')).toBe(kept);
    now += 1;
    expect(cache.get('token')).toBeUndefined();
    expect(cache.get('other')).toBe(kept);
    expect(cache.get('refused')).toBeUndefined();
  });

  it('keeps a result at most maxSeconds', () => {
    const cache = new IntrospectionCache(5, 10, clock);
    const kept = principal(now / 1000 + 3600);
    cache.set('token', kept);
    now += 4_999;
    expect(cache.get('token')).toBe(kept);
    now += 1;
    expect(cache.get('token')).toBeUndefined();
  });

  it('keeps an answer without exp no longer than the configured maximum', () => {
    const cache = new IntrospectionCache(30, 10, clock);
    const kept = principal(undefined);
    cache.set('token', kept);
    now += 29_999;
    expect(cache.get('token')).toBe(kept);
    now += 1;
    expect(cache.get('token')).toBeUndefined();
  });

  it('does not keep an already expired token, and keeps nothing with maxSeconds 0', () => {
    const cache = new IntrospectionCache(60, 10, clock);
    cache.set('token', principal(now / 1000 - 1));
    expect(cache.get('token')).toBeUndefined();
    const off = new IntrospectionCache(0, 10, clock);
    off.set('token', principal());
    expect(off.get('token')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new IntrospectionCache(60, 2, clock);
    const entries = ['a', 'b', 'c'].map((token) => [token, principal()] as const);
    for (const [token, value] of entries) cache.set(token, value);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(entries[1][1]);
    expect(cache.get('c')).toBe(entries[2][1]);
  });

  it('a flood of refused junk tokens never evicts an accepted result (no cache flushing)', () => {
    const cache = new IntrospectionCache(60, 3, clock);
    const live = principal();
    cache.set('live-token', live);
    for (let i = 0; i < 100; i++) cache.setRefusal(`junk-${i}`, new TokenRejection('inactive'));
    expect(cache.get('live-token')).toBe(live);
    expect(cache.get('junk-99')).toBeInstanceOf(TokenRejection);
    expect(cache.get('junk-0')).toBeUndefined();
  });

  it('remembers a refusal for 10 s at most, and never longer than maxSeconds', () => {
    expect(REFUSAL_CACHE_SECONDS).toBe(10);
    const cache = new IntrospectionCache(60, 10, clock);
    const inactive = new TokenRejection('inactive');
    cache.setRefusal('dead', inactive);
    now += 9_999;
    expect(cache.get('dead')).toBe(inactive);
    now += 1;
    expect(cache.get('dead')).toBeUndefined();
    const short = new IntrospectionCache(3, 10, clock);
    short.setRefusal('dead', inactive);
    now += 2_999;
    expect(short.get('dead')).toBe(inactive);
    now += 1;
    expect(short.get('dead')).toBeUndefined();
    const off = new IntrospectionCache(0, 10, clock);
    off.setRefusal('dead', inactive);
    expect(off.get('dead')).toBeUndefined();
  });
});
