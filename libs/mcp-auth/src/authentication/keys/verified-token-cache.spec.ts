import { newSigningKey, startJwksServer } from '../../../../../test/support/jwks-server.js';
import type { JwksServer, TestSigningKey } from '../../../../../test/support/jwks-server.js';
import type { JwtClaims } from '../principal.js';
import type { RecentlyUsedMap } from '../recently-used-map.js';
import { JwksKeyStore } from './jwks-key-store.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

describe('VerifiedTokenCache', () => {
  let rsa: TestSigningKey;
  let other: TestSigningKey;
  let jwks: JwksServer;
  let clock: number;
  let keys: JwksKeyStore;

  beforeAll(() => {
    rsa = newSigningKey('RSA');
    other = newSigningKey('RSA');
  });
  beforeEach(async () => {
    jwks = await startJwksServer([rsa, other]);
    clock = 1_700_000_000_000;
    keys = new JwksKeyStore({ jwksUri: jwks.url, algorithms: ['RS256'], cacheMaxAgeMs: 600_000, cooldownMs: 1_000, now: () => clock });
    await keys.refresh();
  });
  afterEach(() => jwks.close());

  const seconds = () => Math.floor(clock / 1000);
  const cache = (maxEntries = 100) => {
    const tokens = new VerifiedTokenCache<{ sub: string }>({ maxEntries, clockToleranceSeconds: 5, now: () => clock });
    tokens.watch(keys);
    return tokens;
  };
  const remember = (tokens: VerifiedTokenCache<{ sub: string }>, token: string, key: TestSigningKey, claims: JwtClaims) =>
    tokens.remember(token, { value: { sub: String(claims.sub) }, header: { alg: 'RS256', kid: key.kid }, claims, keys });

  it('answers a remembered token with what was remembered, and nothing for any other string', () => {
    const tokens = cache();
    remember(tokens, 'header.payload.signature', rsa, { sub: 'alice', exp: seconds() + 60 });
    expect(tokens.get('header.payload.signature')).toEqual({ sub: 'alice' });
    expect(tokens.get('header.payload.signaturf')).toBeUndefined();
    expect(tokens.get('header.payload')).toBeUndefined();
    expect(Object.isFrozen(tokens.get('header.payload.signature'))).toBe(true);
  });

  it('checks exp and nbf again on every hit, with the same leeway as the verifier', () => {
    const tokens = cache();
    remember(tokens, 't.expiring.x', rsa, { sub: 'a', exp: seconds() + 10 });
    remember(tokens, 't.future.x', rsa, { sub: 'a', exp: seconds() + 100, nbf: seconds() + 20 });
    expect(tokens.get('t.expiring.x')).toBeDefined();
    expect(tokens.get('t.future.x')).toBeUndefined(); // nbf more than 5 s ahead
    clock += 15_000;
    expect(tokens.get('t.expiring.x')).toBeUndefined(); // exp + 5 s leeway passed
    expect(tokens.get('t.future.x')).toBeDefined(); // nbf now within the leeway
    expect(tokens.size).toBe(1); // the expired entry was dropped
  });

  it('is bounded: the least recently used entries go first', () => {
    const tokens = cache(4);
    for (const id of ['a', 'b', 'c', 'd']) remember(tokens, `t.${id}.x`, rsa, { sub: id, exp: seconds() + 60 });
    expect(tokens.size).toBe(4);
    expect(tokens.get('t.a.x')?.sub).toBe('a'); // used again: carried over b, c and d
    remember(tokens, 't.e.x', rsa, { sub: 'e', exp: seconds() + 60 });
    expect(tokens.get('t.a.x')?.sub).toBe('a');
    expect(tokens.get('t.b.x')).toBeUndefined();
    for (const id of ['e', 'f', 'g', 'h']) {
      remember(tokens, `t.${id}.x`, rsa, { sub: id, exp: seconds() + 60 });
      expect(tokens.size).toBeLessThanOrEqual(4);
    }
    expect(['b', 'c', 'd', 'e'].map((id) => tokens.get(`t.${id}.x`))).toEqual([undefined, undefined, undefined, undefined]);
    expect(['f', 'g', 'h'].map((id) => tokens.get(`t.${id}.x`)?.sub)).toEqual(['f', 'g', 'h']);
  });

  it('holds one entry when maxEntries is 1', () => {
    const tokens = cache(1);
    remember(tokens, 't.a.x', rsa, { sub: 'a', exp: seconds() + 60 });
    remember(tokens, 't.b.x', rsa, { sub: 'b', exp: seconds() + 60 });
    expect(tokens.size).toBe(1);
    expect(tokens.get('t.b.x')?.sub).toBe('b');
  });

  it('drops the entries of a key that left the JWKS, and keeps the others', async () => {
    const tokens = cache();
    remember(tokens, 't.rsa.x', rsa, { sub: 'a', exp: seconds() + 600 });
    remember(tokens, 't.other.x', other, { sub: 'b', exp: seconds() + 600 });
    jwks.keys = [other];
    await keys.refresh();
    expect(tokens.size).toBe(1);
    expect(tokens.get('t.rsa.x')).toBeUndefined();
    expect(tokens.get('t.other.x')?.sub).toBe('b');
  });

  it('sends tokens back to full verification once the key store is due for a refresh', () => {
    const tokens = cache();
    remember(tokens, 't.rsa.x', rsa, { sub: 'a', exp: seconds() + 7200 });
    clock += 600_000;
    expect(tokens.get('t.rsa.x')).toBeUndefined();
  });

  it('ignores tokens without a numeric exp, and never keeps the token text', () => {
    const tokens = cache();
    remember(tokens, 'secret.token.text', rsa, { sub: 'a' });
    expect(tokens.size).toBe(0);
    remember(tokens, 'secret.token.text', rsa, { sub: 'a', exp: seconds() + 60 });
    expect(tokens.size).toBe(1);
    const { entries } = tokens as unknown as { entries: RecentlyUsedMap<string, unknown> };
    expect(entries.keys()).toHaveLength(1);
    expect(JSON.stringify(entries.keys())).not.toContain('secret.token.text');
  });
});
