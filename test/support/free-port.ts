import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports the tests listen on are chosen below the kernel's ephemeral range, in a slice of their own per Jest worker.
 *
 * A port taken from `listen(0)` and closed again is in the ephemeral range, where the kernel also picks the source
 * port of every outgoing connection (to the identity provider, to Redis) and every other `listen(0)`: between the
 * probe and the real `listen`, any of them can take it (CI saw `EADDRINUSE` that way). Below the range, only another
 * worker's chosen port could collide, and each worker has its own slice.
 */
const LOWEST_PORT = 10_000;
const SLICE_SIZE = 700;

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > LOWEST_PORT ? low : 32_768;
  } catch {
    return 32_768; // Linux's default; other systems start theirs higher.
  }
}

const workerSlice = (() => {
  const worker = Number(process.env.JEST_WORKER_ID ?? 0);
  const slices = Math.floor((ephemeralRangeStart() - LOWEST_PORT) / SLICE_SIZE);
  const start = LOWEST_PORT + (worker % slices) * SLICE_SIZE;
  return { start, end: start + SLICE_SIZE };
})();
let next = workerSlice.start + ((process.pid * 7) % SLICE_SIZE);

/** True when nothing listens on `port` at 127.0.0.1 (checked by listening there for a moment). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port in this worker's slice: the example derives its resource URL (and so the token audience) from
 * PORT, so it must be known before it starts. Bounded: one pass over the slice.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < SLICE_SIZE; attempt++) {
    const port = next;
    next = next + 1 >= workerSlice.end ? workerSlice.start : next + 1;
    if (await isPortFree(port)) return port;
  }
  throw new Error(`No free loopback port in ${workerSlice.start}-${workerSlice.end - 1}`);
}

/**
 * A free loopback port whose successor is free too: the example's default layout, the server on `PORT` and its
 * development identity provider on `PORT + 1`. Bounded: 20 attempts.
 */
export async function freePortWithNext(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port + 1 < workerSlice.end && (await isPortFree(port + 1))) {
      next = port + 2 >= workerSlice.end ? workerSlice.start : port + 2;
      return port;
    }
  }
  throw new Error('No free loopback port with a free successor found in 20 attempts');
}
