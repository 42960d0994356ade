import { startRedisServer } from '../../../../test/support/redis-server.js';
import type { TestRedis } from '../../../../test/support/redis-server.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { SealedTokenStore } from './sealed-token-store.js';
import type { CachedDownstreamToken } from './sealed-token-store.js';

const SECRET = Buffer.from('a-downstream-cache-key-of-at-least-32-bytes!');
const OTHER_SECRET = Buffer.from('another-downstream-cache-key-of-32-bytes-or-more');
const PARTS = ['https://idp.example.com', 'alice', 'mcp-server', 'token-exchange', 'inventory-api', '', 'stock:read'];

/** A token whose every field is searchable in Redis's raw bytes. */
function token(now: number): CachedDownstreamToken {
  return {
    accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1kb3duc3RyZWFtLXRva2Vu',
    tokenType: 'Bearer',
    expiresAt: now + 300_000,
    scopes: ['stock:read'],
    usableUntil: now + 240_000,
  };
}

/**
 * The Redis copy of downstream tokens, against a real Redis: what one replica sealed another
 * with the same key opens; Redis holds neither the token nor whose it is; an entry that was
 * tampered with, moved to another key or sealed with another key is a miss, never an error.
 */
describe('SealedTokenStore', () => {
  let redis: TestRedis;
  let connection: RedisConnection;

  beforeAll(async () => {
    redis = await startRedisServer();
    connection = await RedisConnection.open({ redis: { url: redis.url, keyPrefix: 'sealed-spec:' } } as unknown as ResolvedMcpAuthOptions);
  });
  afterAll(async () => {
    await connection?.onApplicationShutdown();
    await redis?.close();
  });
  afterEach(async () => {
    await connection.client.flushall();
  });

  /** `set` does not wait for Redis (a tool never waits for the cache): wait, bounded, until the entry is there. */
  async function storedAt(key: string): Promise<string> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const value = await connection.client.get(key);
      if (value !== null) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`nothing was stored at ${key} within 1 s`);
  }

  it('opens what it sealed, and another instance with the same key opens it too (two replicas)', async () => {
    const now = Date.now();
    const writer = new SealedTokenStore(connection, SECRET);
    const reader = new SealedTokenStore(connection, Buffer.from(SECRET));
    const key = writer.keyOf(PARTS);
    expect(reader.keyOf(PARTS)).toBe(key);

    writer.set(key, token(now), now);
    await storedAt(key);

    await expect(reader.get(key, now)).resolves.toEqual(token(now));
  });

  it('keeps neither the token nor whose it is readable in Redis: the key is an HMAC, the value ciphertext', async () => {
    const now = Date.now();
    const store = new SealedTokenStore(connection, SECRET);
    const key = store.keyOf(PARTS);
    store.set(key, token(now), now);
    const raw = await storedAt(key);

    expect(key.startsWith('sealed-spec:downstream:')).toBe(true);
    const decoded = Buffer.from(raw, 'base64').toString('latin1');
    for (const secret of [token(now).accessToken, 'alice', 'inventory-api', 'stock:read', 'Bearer']) {
      expect(key).not.toContain(secret);
      expect(raw).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
    // Kept in Redis only while the token is handed out.
    const ttl = await connection.client.pttl(key);
    expect(ttl).toBeGreaterThan(200_000);
    expect(ttl).toBeLessThanOrEqual(240_000);
  });

  it('names entries per caller and API: another subject or audience gets another key', () => {
    const store = new SealedTokenStore(connection, SECRET);
    const key = store.keyOf(PARTS);
    expect(store.keyOf(PARTS.map((part) => (part === 'alice' ? 'bob' : part)))).not.toBe(key);
    expect(store.keyOf(PARTS.map((part) => (part === 'inventory-api' ? 'billing-api' : part)))).not.toBe(key);
  });

  it('treats a tampered entry as a miss: any flipped byte of IV, tag or ciphertext', async () => {
    const now = Date.now();
    const store = new SealedTokenStore(connection, SECRET);
    const key = store.keyOf(PARTS);
    store.set(key, token(now), now);
    const sealed = Buffer.from(await storedAt(key), 'base64');

    for (const offset of [0, 12, 28, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[offset] ^= 0x01;
      await connection.client.set(key, tampered.toString('base64'));
      await expect(store.get(key, now)).resolves.toBeUndefined();
    }
    for (const junk of ['', 'not base64 at all!', Buffer.alloc(20).toString('base64')]) {
      await connection.client.set(key, junk);
      await expect(store.get(key, now)).resolves.toBeUndefined();
    }
  });

  it("treats an entry moved to another caller's key as a miss (the key is sealed in as additional data)", async () => {
    const now = Date.now();
    const store = new SealedTokenStore(connection, SECRET);
    const alice = store.keyOf(PARTS);
    const bob = store.keyOf(PARTS.map((part) => (part === 'alice' ? 'bob' : part)));
    store.set(alice, token(now), now);
    await connection.client.set(bob, await storedAt(alice));

    await expect(store.get(bob, now)).resolves.toBeUndefined();
    await expect(store.get(alice, now)).resolves.toEqual(token(now));
  });

  it('treats an entry sealed with another encryption key as a miss', async () => {
    const now = Date.now();
    const store = new SealedTokenStore(connection, SECRET);
    const other = new SealedTokenStore(connection, OTHER_SECRET);
    const key = store.keyOf(PARTS);
    // Another key names entries differently too: it does not even find this one.
    expect(other.keyOf(PARTS)).not.toBe(key);
    store.set(key, token(now), now);
    await storedAt(key);

    await expect(other.get(key, now)).resolves.toBeUndefined();
  });

  it('hands out nothing past the moment the token stops being usable, and stores nothing already past it', async () => {
    const now = Date.now();
    const store = new SealedTokenStore(connection, SECRET);
    const key = store.keyOf(PARTS);
    store.set(key, token(now), now);
    await storedAt(key);
    await expect(store.get(key, now + 240_000)).resolves.toBeUndefined();

    const spent = store.keyOf([...PARTS, 'spent']);
    store.set(spent, { ...token(now), usableUntil: now }, now);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(connection.client.exists(spent)).resolves.toBe(0);
  });

  it('answers a miss, not an error, while Redis is down', async () => {
    const now = Date.now();
    const store = new SealedTokenStore(connection, SECRET);
    const key = store.keyOf(PARTS);
    await redis.stop();
    try {
      await expect(store.get(key, now)).resolves.toBeUndefined();
      expect(() => store.set(key, token(now), now)).not.toThrow();
    } finally {
      await redis.start();
      for (let attempt = 0; attempt < 50 && !connection.ready; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
