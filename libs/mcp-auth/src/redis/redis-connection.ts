import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';

/**
 * Connection settings for the module's own clients: a command fails at once while Redis
 * is unreachable (no offline queue, one retry) instead of waiting, so every caller can
 * fall back as documented; the connection itself keeps retrying in the background.
 */
const CONNECTION_DEFAULTS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1_000,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
};

/**
 * The module's Redis connections, when `redis` is configured: one client for commands,
 * and subscriber connections (a subscribed connection can issue no other command) made
 * on demand. `ioredis` is loaded only then, so applications without Redis need not
 * install it. Without `redis`, {@link enabled} is false and nothing is opened.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('McpAuth');
  private readonly owned: Redis[] = [];
  private commands?: Redis;

  /** Errors the module's own connections reported (read by the metrics at scrape time). */
  errors = 0;

  constructor(@Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions) {}

  /** Opens the command connection (called once by the module's provider factory). */
  static async open(options: ResolvedMcpAuthOptions): Promise<RedisConnection> {
    const connection = new RedisConnection(options);
    const redis = options.redis;
    if (!redis) return connection;
    if (redis.client) {
      // Typed without ioredis in the public options (IoRedisClient); it is an ioredis client.
      connection.commands = redis.client as unknown as Redis;
    } else {
      const { Redis } = await import('ioredis');
      connection.commands = connection.own(new Redis(redis.url!, { ...CONNECTION_DEFAULTS, lazyConnect: false }));
    }
    // Commands fail fast until the connection is ready: wait for it (bounded) so that a replica
    // starting next to a live Redis serves its first requests with the fleet's state, not without.
    await untilReady(connection.commands, CONNECTION_DEFAULTS.connectTimeout!);
    return connection;
  }

  /** True when `redis` is configured. */
  get enabled(): boolean {
    return this.commands !== undefined;
  }

  /**
   * The command client; only when {@link enabled}.
   * @internal Kept out of the package's declarations, which compile without `ioredis` (see IoRedisClient).
   */
  get client(): Redis {
    if (!this.commands) throw new Error('Redis is not configured (McpAuthModule option `redis`)');
    return this.commands;
  }

  /** True while the command connection is up. */
  get ready(): boolean {
    return this.commands?.status === 'ready';
  }

  /** A key or channel name under the configured prefix. */
  key(name: string): string {
    return `${this.options.redis?.keyPrefix ?? ''}${name}`;
  }

  /**
   * A new connection for `SUBSCRIBE`, closed with the module.
   * @internal Kept out of the package's declarations, which compile without `ioredis` (see IoRedisClient).
   */
  subscriber(): Redis {
    return this.own(this.client.duplicate(CONNECTION_DEFAULTS));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.owned.map((client) => client.quit().catch(() => client.disconnect())));
  }

  private own(client: Redis): Redis {
    // Without a listener an unreachable Redis would be an unhandled 'error' event; the state is reported instead.
    let reported = false;
    client.on('error', (error: Error) => {
      this.errors++;
      if (reported) return;
      reported = true;
      this.logger.warn(`Redis unavailable (${error.message}); falling back as documented until it is back`);
    });
    client.on('ready', () => {
      if (reported) this.logger.log('Redis available again');
      reported = false;
    });
    this.owned.push(client);
    return client;
  }
}

/** Resolves once `client` is ready, or after `timeoutMs` (Redis down: the module starts degraded and recovers by itself). */
function untilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}
