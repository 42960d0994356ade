import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { discoverOpenIdConfiguration } from './openid-discovery.js';

/** A loopback issuer that drops the connection of its first `resets` requests, then serves its discovery document. */
async function flakyIssuer(resets: number): Promise<{ issuer: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  let issuer = '';
  const server: Server = createServer((req, res) => {
    requests++;
    if (requests <= resets) return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('discoverOpenIdConfiguration', () => {
  it('asks again when the connection is reset before an answer (a pooled connection the provider was closing)', async () => {
    const idp = await flakyIssuer(2);
    try {
      await expect(discoverOpenIdConfiguration(idp.issuer, 5_000)).resolves.toEqual({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` });
      expect(idp.requests()).toBe(3);
    } finally {
      await idp.close();
    }
  });

  it('gives up after three resets, naming the URL and the failure', async () => {
    const idp = await flakyIssuer(Number.MAX_SAFE_INTEGER);
    try {
      const failure = discoverOpenIdConfiguration(idp.issuer, 5_000);
      await expect(failure).rejects.toThrow(McpAuthConfigurationError);
      await expect(failure).rejects.toThrow(
        new RegExp(`could not be reached: ${idp.issuer}/\\.well-known/openid-configuration \\((ECONNRESET|EPIPE|UND_ERR_SOCKET)\\)`),
      );
      expect(idp.requests()).toBe(3);
    } finally {
      await idp.close();
    }
  });

  it('does not ask again when nothing listens (connection refused)', async () => {
    const idp = await flakyIssuer(0);
    await idp.close();
    await expect(discoverOpenIdConfiguration(idp.issuer, 5_000)).rejects.toThrow(/could not be reached: .* \(ECONNREFUSED\)/);
  });
});
