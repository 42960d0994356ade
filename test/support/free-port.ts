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

/** True when nothing listens on `port` at 127.0.0.1 (checked by listening there for a moment). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port whose successor is free too: the example's default layout, the server on `PORT` and its
 * development identity provider on `PORT + 1`. Bounded: 20 attempts.
 */
export async function freePortWithNext(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await isPortFree(port + 1))) return port;
  }
  throw new Error('No free loopback port with a free successor found in 20 attempts');
}
