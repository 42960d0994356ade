import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBoundedText } from './bounded-response-body.js';
import { introspectToken } from './introspection/introspection-client.js';
import { fetchJwks } from './keys/fetch-jwks.js';

/** Most a flooding answer would send: far beyond every limit, bounded so a test without the fix still ends. */
const FLOOD_BYTES = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** A loopback server that answers every request with a JSON body that never stops growing, counting what it got to send. */
class FloodingServer {
  sent = 0;
  private server?: Server;

  async start(declareLength = false): Promise<string> {
    this.server = createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(FLOOD_BYTES) } : {}) });
      let closed = false;
      res.on('close', () => (closed = true));
      while (!closed && this.sent < FLOOD_BYTES) {
        this.sent += CHUNK.length;
        if (res.write(CHUNK)) continue;
        // Wait for drain or close, removing both listeners either way (a listener per chunk would pile up).
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done).off('close', done);
            resolve();
          };
          res.on('drain', done).on('close', done);
        });
      }
      res.end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server!.closeAllConnections();
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

describe('answers of the identity provider are read with a size limit enforced while reading', () => {
  let flood: FloodingServer;
  afterEach(() => flood.stop());

  it('readBoundedText stops reading past the limit, before the rest is downloaded', async () => {
    flood = new FloodingServer();
    const url = await flood.start();
    await expect(readBoundedText(await fetch(url), 256 * 1024)).rejects.toThrow('larger than 262144 bytes');
    // What the server got to write: the limit plus what socket buffers held, nowhere near the flood.
    expect(flood.sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('refuses a declared Content-Length above the limit before reading', async () => {
    flood = new FloodingServer();
    const url = await flood.start(true);
    await expect(readBoundedText(await fetch(url), 1024)).rejects.toThrow('larger than 1024 bytes');
    expect(flood.sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('a JWKS answer is cut off at 512 KiB', async () => {
    flood = new FloodingServer();
    const url = await flood.start();
    await expect(fetchJwks(`${url}/jwks`, 10_000)).rejects.toThrow('larger than 524288 bytes');
    expect(flood.sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('an introspection answer is cut off at 64 KiB', async () => {
    flood = new FloodingServer();
    const url = await flood.start();
    const config = {
      endpoint: `${url}/introspect`,
      clientId: 'rs',
      clientSecret: 'secret',
      clientAuthMethod: 'client_secret_basic' as const,
      cacheMaxSeconds: 0,
      cacheMaxEntries: 1,
      timeoutMs: 10_000,
    };
    await expect(introspectToken(config, 'opaque-token')).rejects.toThrow('introspection response is larger than 65536 bytes');
    expect(flood.sent).toBeLessThan(8 * 1024 * 1024);
  });
});
