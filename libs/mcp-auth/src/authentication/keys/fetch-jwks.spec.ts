import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJwks } from './fetch-jwks.js';

const JWKS = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] };

describe('fetchJwks', () => {
  it('reads the key set again when the connection is reset before an answer, within the one deadline', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      if (++requests === 1) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(JWKS));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      await expect(fetchJwks(uri, 5_000)).resolves.toEqual(JWKS);
      expect(requests).toBe(2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('does not ask again after an HTTP error status: that is the provider answering', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      await expect(fetchJwks(uri, 5_000)).rejects.toThrow('HTTP 503');
      expect(requests).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
