import { post, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

describeOnPlatforms('rate limits', (_platform, onPlatform) => {
  /** Item 4: rate limits per principal, and per IP for failed authentications before any token work. */
  describe('rate limits (example server, MCP_RATE_LIMIT_PER_MINUTE and MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE)', () => {
    let h: Harness;
    let reader: string;
    let admin: string;

    beforeAll(async () => {
      h = await startHarness({
        ...onPlatform,
        MCP_STATELESS: 'true',
        MCP_RATE_LIMIT_PER_MINUTE: '4',
        MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE: '3',
      });
      [reader, admin] = await Promise.all([h.token('demo-reader'), h.token('demo-admin')]);
    });
    afterAll(() => h?.close());

    async function statusOf(token?: string): Promise<Response> {
      const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token });
      await response.clone().arrayBuffer();
      return response;
    }

    it('lets a principal make its quota of requests, then answers 429 with Retry-After; other principals are not affected', async () => {
      for (let i = 0; i < 4; i++) expect((await statusOf(reader)).status).toBe(200);
      const limited = await statusOf(reader);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(((await limited.json()) as any).error.message).toMatch(/at most 4 requests per 60 s/);

      expect((await statusOf(admin)).status).toBe(200);
    });

    // Runs last: it blocks this test process's address (127.0.0.1) for the rest of the window.
    it('counts failed authentications per IP and, past the limit, refuses the address with 429 before any token work', async () => {
      // Requests without a credential cost no token work and are not counted (see security-review, L3).
      for (let i = 0; i < 5; i++) expect((await statusOf()).status).toBe(401);
      for (let i = 0; i < 3; i++) expect((await statusOf(`garbage.token.${i}`)).status).toBe(401);
      const blocked = await statusOf();
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.headers.get('www-authenticate')).toBeNull();
      // Even a valid token is not looked at while the address is blocked.
      const withValidToken = await statusOf(admin);
      expect(withValidToken.status).toBe(429);
    });
  });

  describe('rate limits are off by default', () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_STATELESS: 'true' });
    });
    afterAll(() => h?.close());

    it('serves a burst from one principal and many failures from one address without 429', async () => {
      const reader = await h.token('demo-reader');
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token: i % 2 === 0 ? reader : undefined });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      expect(statuses.filter((status) => status === 429)).toEqual([]);
      expect(new Set(statuses)).toEqual(new Set([200, 401]));
    });
  });
});
