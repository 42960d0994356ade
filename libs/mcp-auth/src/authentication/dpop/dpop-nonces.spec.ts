import { DpopNonces } from './dpop-nonces.js';
import type { DpopNoncesOptions } from './dpop-nonces.js';

const RESOURCE = 'https://api.example.com/mcp';

describe('DpopNonces', () => {
  let now = 1_800_000_000_000;
  const nonces = (options: Partial<DpopNoncesOptions> = {}) =>
    new DpopNonces({
      secrets: [Buffer.from('a'.repeat(32))],
      lifetimeSeconds: 300,
      resource: RESOURCE,
      clockToleranceSeconds: 5,
      now: () => now,
      ...options,
    });

  it('hands out one nonce per step (a quarter of the lifetime), in RFC 9449 §8.1 characters', () => {
    expect(now % 75_000).toBe(0); // a step boundary: 75 s is a quarter of 300 s
    const minter = nonces();
    const first = minter.current();
    expect(first).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
    now += 74_000;
    expect(minter.current()).toBe(first);
    now += 1_000;
    expect(minter.current()).not.toBe(first);
  });

  it("accepts its nonces (and another replica's with the same secret) within the lifetime, not after", () => {
    const minted = nonces().current();
    expect(nonces().accepts(minted)).toBe(true);
    now += 290_000;
    expect(nonces().accepts(minted)).toBe(true);
    now += 20_000;
    expect(nonces().accepts(minted)).toBe(false);
  });

  it('refuses a nonce of another secret, of another resource, altered, or not a nonce at all', () => {
    const minted = nonces().current();
    expect(nonces({ secrets: [Buffer.from('b'.repeat(32))] }).accepts(minted)).toBe(false);
    expect(nonces({ resource: 'https://other.example/mcp' }).accepts(minted)).toBe(false);
    const [at, mac] = minted.split('.');
    expect(nonces().accepts(`${(parseInt(at, 36) + 1).toString(36)}.${mac}`)).toBe(false);
    for (const junk of [undefined, 42, '', 'x', `${at}.${mac}x`]) expect(nonces().accepts(junk)).toBe(false);
  });

  it('rotates: mints with the first secret, accepts any', () => {
    const old = nonces().current();
    const rotated = nonces({ secrets: [Buffer.from('n'.repeat(32)), Buffer.from('a'.repeat(32))] });
    expect(rotated.accepts(old)).toBe(true);
    expect(nonces().accepts(rotated.current())).toBe(false);
  });

  it('refuses a nonce minted further in the future than the clock tolerance', () => {
    const ahead = nonces({ now: () => now + 200_000 }).current();
    expect(nonces().accepts(ahead)).toBe(false);
  });
});
