import { ConsoleLogger, Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler/dist/throttler.service.js';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { RedisConnection, RedisThrottlerStorage } from 'nestjs-mcp-auth';
import type { McpPrincipal, ResolvedMcpAuthOptions } from 'nestjs-mcp-auth';
import { AuditTrail } from '../libs/mcp-auth/src/audit/audit-trail.js';
import { LimitExceededException } from '../libs/mcp-auth/src/limits/limit-exceeded.exception.js';
import { RateLimiter } from '../libs/mcp-auth/src/limits/rate-limiter.js';
import type { RateLimitStoreErrorPolicy } from '../libs/mcp-auth/src/limits/rate-limit.options.js';
import { fleetUnavailable, startRedis } from './support/fleet.js';
import type { FleetRedis } from './support/fleet.js';

const PREFIX = 'rate-test:';
const caller = { headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
const principal = (sub: string): McpPrincipal => ({ sub, id: sub, scopes: [], issuer: 'https://idp.example', claims: { sub } });

/** The outcome of `count` hits, in order: "ok" or the refusal's status. */
async function outcomes(limiter: RateLimiter, sub: string, count: number): Promise<Array<'ok' | number>> {
  const seen: Array<'ok' | number> = [];
  for (let index = 0; index < count; index++) {
    seen.push(
      await limiter.consume(caller, principal(sub)).then(
        () => 'ok' as const,
        (error: unknown) => (error instanceof LimitExceededException ? error.getStatus() : Promise.reject(error)),
      ),
    );
  }
  return seen;
}

/** What the module logged (Nest's Logger), kept instead of printed: the outages are expected here. */
const logged: string[] = [];
const capture: LoggerService = {
  log: (message: unknown) => void logged.push(`log: ${String(message)}`),
  warn: (message: unknown) => void logged.push(`warn: ${String(message)}`),
  error: (message: unknown) => void logged.push(`error: ${String(message)}`),
};

const unavailable = fleetUnavailable();
(unavailable ? describe.skip : describe)('rate limits in Redis (a real redis-server on loopback)', () => {
  let redis: FleetRedis;
  let client: Redis;

  beforeAll(async () => {
    Logger.overrideLogger(capture);
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await client?.quit();
    await redis?.stop();
    Logger.overrideLogger(new ConsoleLogger());
  });

  describe('RedisThrottlerStorage', () => {
    test('answers like the in-memory ThrottlerStorageService: the limit passes, the rest is refused until the oldest hit ages out', async () => {
      const shared: ThrottlerStorage = new RedisThrottlerStorage(client, (name) => PREFIX + name);
      const local = new ThrottlerStorageService();
      for (let hit = 0; hit < 5; hit++) {
        const [inRedis, inMemory] = await Promise.all([
          shared.increment('same', 2_000, 3, 0, 'test'),
          local.increment('same', 2_000, 3, 0, 'test'),
        ]);
        expect(inRedis).toEqual(inMemory);
      }
      local.onApplicationShutdown();
    });

    test('the window slides: once a hit is older than the ttl, there is room again', async () => {
      const storage = new RedisThrottlerStorage(client, (name) => PREFIX + name);
      expect((await storage.increment('slide', 300, 2, 0, 'test')).isBlocked).toBe(false);
      expect((await storage.increment('slide', 300, 2, 0, 'test')).isBlocked).toBe(false);
      expect((await storage.increment('slide', 300, 2, 0, 'test')).isBlocked).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await storage.increment('slide', 300, 2, 0, 'test')).isBlocked).toBe(false);
    });

    test('two storages on one Redis (two replicas) spend one budget, under the prefix, expiring with the window', async () => {
      const one = new RedisThrottlerStorage(client, (name) => PREFIX + name);
      const two = new RedisThrottlerStorage(new Redis(redis.url), (name) => PREFIX + name);
      const blocked = [];
      for (let hit = 0; hit < 6; hit++) blocked.push((await (hit % 2 ? two : one).increment('fleet', 60_000, 4, 0, 'test')).isBlocked);
      expect(blocked).toEqual([false, false, false, false, true, true]);
      const ttl = await client.pttl(`${PREFIX}throttle:test:fleet`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await (two as unknown as { client: Redis }).client.quit();
    });

    test('a block duration blocks for that long, whatever the window', async () => {
      const storage = new RedisThrottlerStorage(client, (name) => PREFIX + name);
      await storage.increment('block', 100, 1, 0, 'test');
      const refused = await storage.increment('block', 100, 1, 5_000, 'test');
      expect(refused).toMatchObject({ isBlocked: true, timeToBlockExpire: 5 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await storage.increment('block', 100, 1, 5_000, 'test')).toMatchObject({ isBlocked: true });
    });
  });

  describe('rateLimit.onStoreError while Redis is down, and after', () => {
    let down: FleetRedis;
    const open: RedisConnection[] = [];

    beforeAll(async () => {
      down = await startRedis();
      await down.stop();
    });

    afterAll(async () => {
      await Promise.all(open.map((connection) => connection.onApplicationShutdown()));
      await down.stop();
    });

    async function limiter(onStoreError: RateLimitStoreErrorPolicy): Promise<RateLimiter> {
      const options = {
        redis: { url: down.url, keyPrefix: PREFIX },
        rateLimit: { perPrincipal: { limit: 2, ttlMs: 60_000 }, onStoreError },
      } as unknown as ResolvedMcpAuthOptions;
      const connection = await RedisConnection.open(options);
      open.push(connection);
      return new RateLimiter(options, new AuditTrail({ record: () => undefined }), connection);
    }

    test("'local' (the default) counts in this instance meanwhile, and says so once, not per request", async () => {
      const rateLimiter = await limiter('local');
      logged.length = 0;
      expect(await outcomes(rateLimiter, 'local', 4)).toEqual(['ok', 'ok', 429, 429]);
      expect(logged.filter((line) => line.includes('Rate limit storage failed'))).toEqual([
        expect.stringMatching(/^warn: .*counting in this instance alone until it answers again$/),
      ]);
    });

    test("'allow' admits without counting", async () => {
      expect(await outcomes(await limiter('allow'), 'allow', 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
    });

    test("'deny' refuses with 503 and Retry-After: 1", async () => {
      const refusal = await (await limiter('deny')).consume(caller, principal('deny')).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(LimitExceededException);
      expect(refusal).toMatchObject({ retryAfterSeconds: 1 });
      expect((refusal as LimitExceededException).getStatus()).toBe(503);
    });

    test('once Redis is back, counting is shared in it again by itself', async () => {
      const rateLimiter = await limiter('deny');
      // Fails while Redis is down, so that the recovery below is one (else, on a slow machine, the connection may be
      // back before the first request, and there would be no outage to recover from).
      logged.length = 0;
      expect(await outcomes(rateLimiter, 'recovered', 1)).toEqual([503]);
      expect(logged.filter((line) => line.includes('Rate limit storage'))).toEqual([
        expect.stringMatching(/^warn: Rate limit storage failed .*refusing with 503 until it answers again$/),
      ]);
      await down.start();
      // The connection retries every 2 s at most.
      const deadline = Date.now() + 10_000;
      let seen: Array<'ok' | number> = [];
      while (Date.now() < deadline) {
        seen = await outcomes(rateLimiter, 'recovered', 1);
        if (seen[0] === 'ok') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(seen).toEqual(['ok']);
      const inspector = new Redis(down.url);
      expect(await inspector.keys(`${PREFIX}throttle:mcp-auth-principal:*recovered*`)).toHaveLength(1);
      await inspector.quit();
      expect(logged).toContain('log: Rate limit storage answers again; counting there');
    }, 20_000);
  });
});

if (unavailable) {
  test('redis-server is installed for the Redis tests', () => {
    throw new Error(unavailable);
  });
}
