import { newSigningKey, startJwksServer } from '../../../../../test/support/jwks-server.js';
import type { JwksServer, TestSigningKey } from '../../../../../test/support/jwks-server.js';
import { TokenRejection } from '../token-rejection.js';
import { JwksKeyStore } from './jwks-key-store.js';
import type { JwksKeyStoreOptions } from './jwks-key-store.js';

describe('JwksKeyStore', () => {
  let rsa: TestSigningKey;
  let ec: TestSigningKey;
  let jwks: JwksServer;
  let clock: number;

  beforeAll(() => {
    rsa = newSigningKey('RSA');
    ec = newSigningKey('EC');
  });
  beforeEach(async () => {
    jwks = await startJwksServer([rsa]);
    clock = 1_000_000;
  });
  afterEach(() => jwks.close());

  const store = (options: Partial<JwksKeyStoreOptions> = {}) =>
    new JwksKeyStore({
      jwksUri: jwks.url,
      algorithms: ['RS256', 'ES256'],
      cooldownMs: 1_000,
      cacheMaxAgeMs: 60_000,
      timeoutMs: 300,
      now: () => clock,
      ...options,
    });
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: unknown) => (error instanceof TokenRejection ? error.code : `unexpected: ${String(error)}`),
    );

  it('fetches once, then answers from memory with a parsed KeyObject', async () => {
    const keys = store();
    const key = await keys.keyFor(rsa.kid, 'RS256');
    expect(key.type).toBe('public');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(keys.cachedKey(rsa.kid, 'RS256')).toBe(key);
    expect(await keys.keyFor(rsa.kid, 'RS256')).toBe(key);
    expect(jwks.requests).toBe(1);
    expect(keys.stats).toEqual({ fetches: 1, failedFetches: 0 });
  });

  it('coalesces concurrent requests for an unknown key into one fetch', async () => {
    const keys = store();
    jwks.mode = 'hang';
    const pending = Array.from({ length: 20 }, () => keys.keyFor(rsa.kid, 'RS256'));
    await until(() => jwks.requests === 1);
    jwks.release();
    const results = await Promise.all(pending);
    expect(new Set(results).size).toBe(1);
    expect(jwks.requests).toBe(1);
  });

  it('refetches for unknown kids at most once per cooldown window', async () => {
    const keys = store();
    await keys.keyFor(rsa.kid, 'RS256');
    const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => codeOf(keys.keyFor(`random-${i}`, 'RS256'))));
    expect(new Set(flood)).toEqual(new Set(['unknown_signing_key']));
    expect(jwks.requests).toBe(1);
    clock += 1_000;
    expect(await codeOf(keys.keyFor('random-again', 'RS256'))).toBe('unknown_signing_key');
    expect(await codeOf(keys.keyFor('random-more', 'RS256'))).toBe('unknown_signing_key');
    expect(jwks.requests).toBe(2);
  });

  it('picks up a key rotated in, once the cooldown allows a fetch', async () => {
    const keys = store();
    await keys.keyFor(rsa.kid, 'RS256');
    jwks.keys = [rsa, ec];
    clock += 1_000;
    expect((await keys.keyFor(ec.kid, 'ES256')).asymmetricKeyType).toBe('ec');
    expect(jwks.requests).toBe(2);
  });

  it('stops accepting a key removed from the JWKS after the cache period, and says which', async () => {
    const keys = store();
    const removed: Array<string | undefined> = [];
    keys.onKeysRemoved((kids) => removed.push(...kids));
    await keys.keyFor(rsa.kid, 'RS256');
    jwks.keys = [ec];
    clock += 59_999;
    await expect(keys.keyFor(rsa.kid, 'RS256')).resolves.toBeDefined();
    expect(jwks.requests).toBe(1);
    clock += 1;
    expect(keys.cachedKey(rsa.kid, 'RS256')).toBeUndefined();
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('unknown_signing_key');
    expect(removed).toEqual([rsa.kid]);
    expect(keys.has(rsa.kid)).toBe(false);
  });

  it.each(['hang', 'http-503', 'garbage', 'not-a-jwks', 'reset'] as const)(
    'while the JWKS endpoint fails (%s), keeps serving cached keys and refuses unknown ones cleanly',
    async (mode) => {
      const keys = store();
      const key = await keys.keyFor(rsa.kid, 'RS256');
      jwks.mode = mode;
      clock += 60_000; // the cache period is over: the next request must try the endpoint
      expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('accepted');
      // One read at first and one now; a reset connection is asked twice more within that read (fetchJwks).
      const requests = mode === 'reset' ? 4 : 2;
      expect(jwks.requests).toBe(requests);
      expect(await keys.keyFor(rsa.kid, 'RS256')).toBe(key);
      expect(await codeOf(keys.keyFor(ec.kid, 'ES256'))).toBe('signing_keys_unavailable');
      expect(jwks.requests).toBe(requests); // still inside the cooldown
      expect(keys.stats.failedFetches).toBe(1);
    },
  );

  it('holds keys while the identity provider is unreachable for maxStaleMs at most past the cache period', async () => {
    const keys = store({ maxStaleMs: 120_000 });
    await keys.keyFor(rsa.kid, 'RS256');
    jwks.mode = 'http-503';
    clock += 60_000 + 119_999;
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('accepted');
    clock += 1;
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('signing_keys_unavailable');
    // Once the JWKS answers again, the key is back.
    jwks.mode = 'ok';
    clock += 1_000;
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('accepted');
  });

  it('refuses every token cleanly when the endpoint has never answered', async () => {
    jwks.mode = 'http-503';
    const keys = store();
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('signing_keys_unavailable');
    jwks.mode = 'ok';
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('signing_keys_unavailable');
    clock += 1_000;
    expect(await codeOf(keys.keyFor(rsa.kid, 'RS256'))).toBe('accepted');
    expect(jwks.requests).toBe(2);
  });

  it('pins algorithms: outside the list, or not fitting the key type, refused without a fetch', async () => {
    const keys = store({ algorithms: ['RS256'] });
    expect(await codeOf(keys.keyFor(rsa.kid, 'none'))).toBe('unsupported_algorithm');
    expect(await codeOf(keys.keyFor(rsa.kid, 'HS256'))).toBe('unsupported_algorithm');
    expect(jwks.requests).toBe(0);
    await keys.keyFor(rsa.kid, 'RS256');
    jwks.keys = [rsa, ec];
    clock += 1_000;
    // The EC key is published but RS256-only configuration never yields it.
    expect(await codeOf(keys.keyFor(ec.kid, 'RS256'))).toBe('unknown_signing_key');
    const both = store({ algorithms: ['RS256', 'PS256', 'ES256'] });
    await both.keyFor(rsa.kid, 'RS256');
    // The RSA JWK says alg RS256: PS256 with it is refused, as is ES256 with the RSA key.
    expect(await codeOf(both.keyFor(rsa.kid, 'PS256'))).toBe('unsupported_algorithm');
    expect(await codeOf(both.keyFor(rsa.kid, 'ES256'))).toBe('unsupported_algorithm');
    expect(await codeOf(both.keyFor(ec.kid, 'ES256'))).toBe('accepted');
  });

  it('ignores encryption keys and unusable entries, and matches a kid-less token only to a sole key', async () => {
    jwks.keys = [
      { ...rsa, jwk: { ...rsa.jwk, kid: 'enc', use: 'enc' } },
      { ...rsa, jwk: { kty: 'RSA', kid: 'broken', n: 'AQAB' } },
      { ...rsa, jwk: { kty: 'RSA', kid: 'weak', n: 'AQAB', e: 'AQAB' } },
      { ...rsa, jwk: { kty: 'oct', kid: 'secret', k: 'c2VjcmV0' } },
      rsa,
    ];
    const keys = store();
    expect(await codeOf(keys.keyFor(undefined, 'RS256'))).toBe('accepted');
    expect(keys.size).toBe(1);
    for (const kid of ['enc', 'broken', 'weak', 'secret']) expect(keys.has(kid)).toBe(false);
    jwks.keys = [rsa, ec];
    await keys.refresh();
    expect(await codeOf(keys.keyFor(undefined, 'RS256'))).toBe('unknown_signing_key');
  });

  it('never lets a failed fetch reject unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      jwks.mode = 'reset';
      const keys = store();
      void keys.refresh();
      await keys.refresh();
      await new Promise((resolve) => setImmediate(resolve));
      expect(keys.stats).toEqual({ fetches: 1, failedFetches: 1 });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

/** Waits (bounded) until the condition holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not reached');
}
