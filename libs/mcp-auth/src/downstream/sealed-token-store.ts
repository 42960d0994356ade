import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { RedisConnection } from '../redis/redis-connection.js';

/** A downstream token as the caches keep it. */
export interface CachedDownstreamToken {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Milliseconds since the epoch, when known. */
  readonly expiresAt?: number;
  readonly scopes: readonly string[];
  /** Handed out until then (shortly before `expiresAt`), then renewed. */
  readonly usableUntil: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Downstream tokens shared by the replicas through Redis, sealed: AES-256-GCM with a key
 * derived (HKDF-SHA256) from the configured `downstreamCache.encryptionKey`, a fresh IV per
 * entry and the Redis key as additional data, so an entry can neither be read nor moved to
 * another user's key. Keys are an HMAC of the cache entry's parts (issuer, subject, clients, audience, scopes) under a
 * second derived key, so Redis does not even list who holds tokens for what. Redis only ever
 * sees ciphertext; an entry that does not open (another key, tampering) is a miss. Redis
 * failing is never an error: the replica goes on with its own memory.
 */
export class SealedTokenStore {
  private readonly sealingKey: Buffer;
  private readonly namingKey: Buffer;

  constructor(
    private readonly redis: RedisConnection,
    secret: Buffer,
  ) {
    const salt = Buffer.from('nestjs-mcp-auth/downstream-token-cache');
    this.sealingKey = Buffer.from(hkdfSync('sha256', secret, salt, 'aes-256-gcm', 32));
    this.namingKey = Buffer.from(hkdfSync('sha256', secret, salt, 'entry-names', 32));
  }

  /** The Redis key of an entry: an HMAC of its parts, under the configured prefix. */
  keyOf(parts: readonly string[]): string {
    return this.redis.key(`downstream:${createHmac('sha256', this.namingKey).update(parts.join('\u0000')).digest('base64url')}`);
  }

  async get(key: string, now: number): Promise<CachedDownstreamToken | undefined> {
    let sealed: string | null;
    try {
      sealed = await this.redis.client.get(key);
    } catch {
      return undefined;
    }
    const token = sealed === null ? undefined : this.open(key, sealed);
    return token && token.usableUntil > now ? token : undefined;
  }

  /** Stores a token until it stops being usable, without waiting; nothing happens when Redis is down. */
  set(key: string, token: CachedDownstreamToken, now: number): void {
    const ttl = Math.floor(token.usableUntil - now);
    if (ttl <= 0) return;
    this.redis.client.set(key, this.seal(key, token), 'PX', ttl).catch(() => undefined);
  }

  private seal(key: string, token: CachedDownstreamToken): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealingKey, iv);
    cipher.setAAD(Buffer.from(key));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(token), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  private open(key: string, sealed: string): CachedDownstreamToken | undefined {
    try {
      const bytes = Buffer.from(sealed, 'base64');
      if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.sealingKey, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(key));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const json = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const token = JSON.parse(json) as CachedDownstreamToken;
      return typeof token.accessToken === 'string' && typeof token.usableUntil === 'number' ? token : undefined;
    } catch {
      return undefined;
    }
  }
}
