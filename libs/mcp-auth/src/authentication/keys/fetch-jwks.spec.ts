import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJwks } from './fetch-jwks.js';

const JWKS = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] };

/** Runs `test` against a loopback JWKS endpoint answering with `handler`, then closes it. */
async function withEndpoint(handler: RequestListener, test: (uri: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await test(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('fetchJwks', () => {
  it('reads the key set again when the connection is reset before an answer, within the one deadline', async () => {
    let requests = 0;
    const resetOnce: RequestListener = (req, res) => {
      if (++requests === 1) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(JWKS));
    };
    await withEndpoint(resetOnce, async (uri) => {
      await expect(fetchJwks(uri, 5_000)).resolves.toEqual(JWKS);
      expect(requests).toBe(2);
    });
  });

  it('does not ask again after an HTTP error status: that is the provider answering', async () => {
    let requests = 0;
    const unavailable: RequestListener = (_req, res) => {
      requests++;
      res.writeHead(503).end();
    };
    await withEndpoint(unavailable, async (uri) => {
      await expect(fetchJwks(uri, 5_000)).rejects.toThrow('HTTP 503');
      expect(requests).toBe(1);
    });
  });
});
