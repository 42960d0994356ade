import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

/** Long enough for the example's shutdown (no call in flight: it has nothing to wait for), short of Jest's timeout. */
const CLOSE_BOUND_MS = 15_000;

describeOnPlatforms('example shutdown with a connection that never sends a request', (_platform, onPlatform) => {
  let h: Harness | undefined;
  let silent: Socket | undefined;

  afterEach(async () => {
    silent?.destroy();
    await h?.close();
    h = undefined;
  });

  /** Opens a TCP connection to the example and sends nothing on it (a client's spare keep-alive, or a hostile one). */
  async function silentConnection(baseUrl: string): Promise<Socket> {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }

  it('app.close() returns, and the silent connection is closed, instead of waiting for the client to hang up', async () => {
    h = await startHarness(onPlatform);
    silent = await silentConnection(h.baseUrl);
    const hungUp = new Promise<string>((resolve) => silent!.once('close', () => resolve('connection closed')));
    const closing = h.close().then(() => 'closed');
    const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still closing'), CLOSE_BOUND_MS).unref());
    expect(await Promise.race([closing, bound])).toBe('closed');
    h = undefined;
    expect(await Promise.race([hungUp, bound])).toBe('connection closed');
  });
});
