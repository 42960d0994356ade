import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A free loopback port: the example derives its resource URL (and so the token audience) from PORT, so it must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
