/**
 * How benchmark servers (child processes, forked with an IPC channel and `--expose-gc`)
 * talk to the runner: they announce their URL once listening, answer memory
 * questions after a full garbage collection, and exit when asked. A measuring child
 * reports its result once and exits.
 */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly url: string;
}

export interface MemoryMessage {
  readonly type: 'memory';
  readonly heapUsed: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** What a measuring child (not a server) found, in microseconds per label. */
export interface ResultMessage {
  readonly type: 'result';
  readonly result: Record<string, number>;
}

/** CPU time the server process has used so far (user + system), in microseconds. */
export interface CpuMessage {
  readonly type: 'cpu';
  readonly micros: number;
}

export type ChildMessage = ReadyMessage | MemoryMessage | ResultMessage | CpuMessage;

/** Sends a measuring child's result, then ends the child. */
export function reportResult(result: Record<string, number>): void {
  process.send?.({ type: 'result', result } satisfies ResultMessage, () => process.exit(0));
}

/** Sends `ready` and starts answering `memory` requests. */
export function reportReady({ url }: { url: string }): void {
  process.on('message', (message) => {
    // A normal exit (not a signal) so that --cpu-prof can write its profile.
    if (message === 'exit') process.exit(0);
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: user + system } satisfies CpuMessage);
    }
    if (message === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 3; i++) gc?.();
      const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
      process.send?.({ type: 'memory', heapUsed, rss, external, arrayBuffers } satisfies MemoryMessage);
    }
  });
  process.send?.({ type: 'ready', url } satisfies ReadyMessage);
}

/** Stops the process on a startup failure, with one line. */
export function failStartup(error: unknown): never {
  console.error(`bench server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
