import { Redis } from 'ioredis';
import type { McpAuthOptions } from 'nestjs-mcp-auth';
import { TestDpopKey, dpopBoundToken, dpopHeaders } from './support/dpop.js';
import { post } from './support/harness.js';
import { modernCall, modernHeaders } from './support/modern.js';
import { startRedisServer } from './support/redis-server.js';
import type { TestRedis } from './support/redis-server.js';
import { startReplicas } from './support/replicas.js';
import type { Replicas } from './support/replicas.js';

/** The commands clients sent Redis (round trips) while `during` ran, as `MONITOR` saw them; those a script ran are left out. */
async function roundTrips(redisUrl: string, during: () => Promise<void>): Promise<string[]> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const monitor = await client.monitor();
  const sent: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') sent.push(args[0].toLowerCase());
  });
  try {
    await during();
    // MONITOR reports what Redis ran as it runs it: give the last line a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
  return sent;
}

/**
 * Two replicas of one server on one real Redis: a proof is accepted once by the fleet, not once
 * per replica (RFC 9449 §11.1), and the check costs one round trip, the rate limiter's when both run.
 */
describe('DPoP replay across replicas on one Redis', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());

  describe.each<{ name: string; rateLimit?: McpAuthOptions['rateLimit']; roundTrip: string }>([
    { name: 'the replay record alone', roundTrip: 'set' },
    { name: 'beside the per-principal rate limit', rateLimit: { perPrincipal: { limit: 1000, ttlMs: 60_000 } }, roundTrip: 'evalsha' },
  ])('$name', ({ rateLimit, roundTrip }) => {
    let fleet: Replicas;
    let key: TestDpopKey;
    let token: string;

    beforeAll(async () => {
      fleet = await startReplicas(2, {
        redis: { url: redis.url },
        dpop: { mode: 'allowed' },
        stateless: true,
        ...(rateLimit ? { rateLimit } : {}),
      });
      key = await TestDpopKey.create();
      ({ token } = await dpopBoundToken(fleet.idp, 'demo-reader', key));
    });
    afterAll(() => fleet?.close());

    const call = (endpoint: string, proof: string) =>
      post(endpoint, modernCall('whoami'), { headers: { ...modernHeaders('tools/call', 'whoami'), ...dpopHeaders(token, proof) } });

    it('a proof accepted by one replica is refused by the other', async () => {
      const [first, second] = fleet.replicas;
      const proof = await key.proof({ htu: fleet.resourceUrl, accessToken: token });
      const accepted = await call(first.endpoint, proof);
      expect(accepted.status).toBe(200);
      await accepted.text();

      const replayed = await call(second.endpoint, proof);
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toMatch(
        /^DPoP error="invalid_dpop_proof", error_description="The DPoP proof was used before \(jti\)"/,
      );
      // A fresh proof of the same key is welcome on either replica.
      expect((await call(second.endpoint, await key.proof({ htu: fleet.resourceUrl, accessToken: token }))).status).toBe(200);
    });

    it(`costs one Redis round trip per request (${roundTrip})`, async () => {
      const proof = await key.proof({ htu: fleet.resourceUrl, accessToken: token });
      // The rate limiter's script is loaded once; after that each hit is one EVALSHA.
      await (await call(fleet.replicas[0].endpoint, await key.proof({ htu: fleet.resourceUrl, accessToken: token }))).text();
      const sent = await roundTrips(redis.url, async () => {
        const response = await call(fleet.replicas[1].endpoint, proof);
        expect(response.status).toBe(200);
        await response.text();
      });
      expect(sent).toEqual([roundTrip]);
    });
  });
});
