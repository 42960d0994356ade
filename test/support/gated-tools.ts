import { McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';

/**
 * A tool whose calls finish when the test opens the gate: lets a test hold calls in
 * flight (shutdown, timeouts) without timing guesses. Records what each call saw.
 */
@McpToolProvider()
export class GatedTools {
  /** Calls currently running. */
  running = 0;
  /** Calls whose signal fired, with the reason's name. */
  readonly aborted: string[] = [];
  private gate = openable();
  private readonly arrivals: Array<() => void> = [];

  @McpTool({ name: 'gated', description: 'Waits until the test opens the gate (or its signal fires, if it listens)' })
  async gated(_args: Record<string, never>, { signal }: McpToolContext): Promise<string> {
    this.running++;
    signal.addEventListener('abort', () => this.aborted.push((signal.reason as Error)?.name ?? String(signal.reason)), { once: true });
    this.arrivals.splice(0).forEach((arrived) => arrived());
    try {
      await this.gate.promise;
      return 'finished';
    } finally {
      this.running--;
    }
  }

  /** Resolves once `count` calls are running. */
  async whenRunning(count: number): Promise<void> {
    while (this.running < count) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  open(): void {
    this.gate.resolve();
    this.gate = openable();
  }
}

function openable(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
