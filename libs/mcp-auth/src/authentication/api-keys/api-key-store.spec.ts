import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { findDigest, generateApiKey, hashApiKey } from './api-key-hash.js';
import { API_KEY_ISSUER, ApiKeyStore, parseApiKeyEntries } from './api-key-store.js';

describe('API key hashing', () => {
  it('hashes to sha256:<hex> and never contains the key', () => {
    const key = generateApiKey();
    const hash = hashApiKey(key);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).not.toContain(key);
    expect(hashApiKey(key)).toBe(hash);
  });

  it('finds the matching digest and reports the first match', () => {
    const digests = ['a', 'b', 'a'].map((value) => Buffer.alloc(32, value));
    expect(findDigest(Buffer.alloc(32, 'a'), digests)).toBe(0);
    expect(findDigest(Buffer.alloc(32, 'b'), digests)).toBe(1);
    expect(findDigest(Buffer.alloc(32, 'c'), digests)).toBe(-1);
  });
});

describe('ApiKeyStore', () => {
  const key = generateApiKey();

  it('maps an inline key to its principal and refuses others', async () => {
    const store = new ApiKeyStore({ keys: [{ hash: hashApiKey(key), sub: 'ci-bot', scopes: ['User.Read'] }] });
    expect(await store.lookup(key)).toEqual({
      sub: 'ci-bot',
      id: 'ci-bot',
      clientId: 'ci-bot',
      scopes: ['User.Read'],
      issuer: API_KEY_ISSUER,
      claims: { sub: 'ci-bot', client_id: 'ci-bot', scope: 'User.Read' },
    });
    expect(await store.lookup(`${key}x`)).toBeUndefined();
    expect(await store.lookup('')).toBeUndefined();
  });

  it('re-reads the key file when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-key-store-'));
    const file = join(dir, 'keys.json');
    try {
      writeFileSync(file, JSON.stringify({ keys: [{ hash: hashApiKey(key), sub: 'svc' }] }));
      const store = new ApiKeyStore({ file });
      expect((await store.lookup(key))?.sub).toBe('svc');
      writeFileSync(file, '[]');
      expect(await store.lookup(key)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a missing file', () => {
    expect(() => new ApiKeyStore({ file: join(tmpdir(), 'no-such-dir', 'keys.json') })).toThrow(/apiKeys.file.*cannot be read/);
  });

  it.each([
    [[{ hash: 'plain-text-key', sub: 'x' }], /apiKeys.keys\[0\].hash.*never the key itself/],
    [[{ hash: hashApiKey('k'), sub: '' }], /apiKeys.keys\[0\].sub/],
    [
      [
        { hash: hashApiKey('k'), sub: 'a' },
        { hash: hashApiKey('k'), sub: 'b' },
      ],
      /appears twice/,
    ],
    [[{ hash: hashApiKey('k'), sub: 'a', scopes: 'User.Read' }], /scopes/],
    ['not a list', /must be a list/],
  ])('rejects invalid entries %#', (entries, message) => {
    expect(() => parseApiKeyEntries(entries, 'apiKeys.keys')).toThrow(McpAuthConfigurationError);
    expect(() => parseApiKeyEntries(entries, 'apiKeys.keys')).toThrow(message);
  });
});
