import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { resolveRequestState } from './resolve-request-state.js';

describe('resolveRequestState', () => {
  it('takes a key of 32 bytes or more, as text or bytes, with a ten-minute default lifetime', () => {
    expect(resolveRequestState({ key: 'k'.repeat(32) })).toEqual({
      key: new Uint8Array(Buffer.from('k'.repeat(32))),
      ttlSeconds: 600,
      singleUse: true,
      configured: true,
    });
    expect(resolveRequestState({ key: new Uint8Array(48), ttlSeconds: 30 })).toMatchObject({ ttlSeconds: 30, configured: true });
  });

  it('makes a random key for this process when none is configured', () => {
    const made = resolveRequestState(undefined);
    expect(made.configured).toBe(false);
    expect(made.key.byteLength).toBe(32);
    expect(resolveRequestState({}).key).not.toEqual(made.key);
  });

  it('refuses at startup a key shorter than 32 bytes, naming the option and the fix', () => {
    // 31 ASCII bytes; 16 two-byte characters are 32 bytes and pass.
    expect(() => resolveRequestState({ key: 'k'.repeat(31) })).toThrow(McpAuthConfigurationError);
    expect(() => resolveRequestState({ key: 'k'.repeat(31) })).toThrow(
      /option "requestState\.key" must be a string or bytes of at least 32 bytes, the same on every replica/,
    );
    expect(resolveRequestState({ key: 'é'.repeat(16) }).configured).toBe(true);
    expect(() => resolveRequestState({ key: 42 as never })).toThrow(/requestState\.key/);
  });

  it('accepts each answered state once unless told otherwise, and refuses a singleUse that is not true or false', () => {
    expect(resolveRequestState(undefined).singleUse).toBe(true);
    expect(resolveRequestState({ singleUse: false }).singleUse).toBe(false);
    expect(() => resolveRequestState({ singleUse: 'no' as never })).toThrow(
      /option "requestState\.singleUse" must be true or false \(got "no"\)/,
    );
  });

  it('refuses a lifetime that is not a positive whole number of seconds', () => {
    expect(() => resolveRequestState({ ttlSeconds: 0 })).toThrow(/requestState\.ttlSeconds/);
    expect(() => resolveRequestState({ ttlSeconds: 1.5 })).toThrow(/requestState\.ttlSeconds/);
    expect(() => resolveRequestState('key' as never)).toThrow(/option "requestState" must be an object/);
  });
});
