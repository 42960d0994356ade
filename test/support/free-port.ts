import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports the tests listen on are chosen below the kernel's ephemeral range, from a slice of their own per Jest
 * worker, and never twice in a row within a worker.
 *
 * A port taken from `listen(0)` and closed again is in the ephemeral range, where the kernel also picks the source
 * port of every outgoing connection (to the identity provider, to Redis) and every other `listen(0)`: between the
 * probe and the real `listen`, any of them can take it (CI saw `EADDRINUSE` that way). Below the range, only another
 * worker's chosen port could collide, and each worker has its own slice. Within a worker, test files follow each
 * other in one process whose `fetch` connection pool, Redis clients and MCP clients outlive a file: a port a
 * previous file listened on could still reach that file's server through a kept connection. So the cursor lives
 * for the whole worker process (on a Node built-in module's object, the one thing Jest does not load afresh per
 * file) and walks its slice from a random start.
 */
const LOWEST_PORT = 10_000;
const SLICES = 8;

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > LOWEST_PORT + SLICES * 100 ? low : 32_768;
  } catch {
    return 32_768; // Linux's default; other systems start theirs higher.
  }
}

const sliceSize = Math.floor((ephemeralRangeStart() - LOWEST_PORT) / SLICES);
const sliceStart = LOWEST_PORT + (Number(process.env.JEST_WORKER_ID ?? 0) % SLICES) * sliceSize;
const sliceEnd = sliceStart + sliceSize;

/** The worker process's cursor, shared by every test file it runs. */
const CURSOR = Symbol.for('nestjs-mcp-auth.tests.next-port');
const processWide = net as unknown as Record<symbol, number | undefined>;
processWide[CURSOR] ??= sliceStart + randomInt(sliceSize);

function takeNext(): number {
  const port = processWide[CURSOR]!;
  processWide[CURSOR] = port + 1 >= sliceEnd ? sliceStart : port + 1;
  return port;
}

/** True when nothing listens on `port` at 127.0.0.1 (checked by listening there for a moment). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port from this worker's slice, not handed out lately in this process: the example derives its
 * resource URL (and so the token audience) from PORT, so it must be known before it starts. Bounded: one pass over
 * the slice.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < sliceSize; attempt++) {
    const port = takeNext();
    if (await isPortFree(port)) return port;
  }
  throw new Error(`No free loopback port in ${sliceStart}-${sliceEnd - 1}`);
}

/**
 * A free loopback port whose successor is free too: the example's default layout, the server on `PORT` and its
 * development identity provider on `PORT + 1`. Bounded: 20 attempts.
 */
export async function freePortWithNext(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port + 1 < sliceEnd && (await isPortFree(port + 1))) {
      takeNext(); // PORT + 1 is the example's identity provider's
      return port;
    }
  }
  throw new Error('No free loopback port with a free successor found in 20 attempts');
}
