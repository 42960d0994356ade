/**
 * An `ioredis` client (`new Redis(url)`), as the module's public types name it: what `redis.client` takes and
 * `RedisThrottlerStorage` is built on. Declared here rather than imported from `ioredis`, an optional peer, so
 * that the package's declarations compile in an application that does not install it (strict,
 * `skipLibCheck: false`); any `ioredis` `Redis` instance is one. The members listed are the ones a client of
 * another library (`redis`, `node-redis`) lacks, so that passing one is a compile error rather than a runtime one.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * McpAuthModule.forRoot({ issuer, resourceUrl, redis: { client: new Redis(process.env.REDIS_URL!) } });
 * ```
 */
export interface IoRedisClient {
  /** `ioredis`'s connection state (`'connecting'`, `'ready'`, `'end'`, ...). */
  readonly status: string;
  /** A new connection with the same settings (the module subscribes on one of its own). */
  duplicate(...args: never[]): unknown;
  /** Registers a Lua script as a command (the module's scripts: one round trip each). */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}
