import { ConsoleLogger } from '@nestjs/common';
import type { LogLevel } from '@nestjs/common';

/** Where test/support/nest-logs-on-failure.mjs, the tests' environment, finds the lines of the running test. */
export const HELD_BACK_LINES = '__nestLogLinesOfTheRunningTest';

/**
 * Nest's logger for the tests: formats what it is given as Nest's console logger would (levels included), but
 * holds the lines back instead of printing them. The test environment prints them under a failing test and drops
 * them when the test passes: the warnings and errors the suites provoke on purpose (an identity provider down, a
 * sink that throws, a malformed key file) are expected there, and a green run stays quiet, while a red one shows
 * everything that was logged around the failure.
 */
export class HeldBackLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context = '', logLevel: LogLevel = 'log'): void {
    const lines = heldBackLines();
    for (const message of messages) lines.push(`${logLevel.toUpperCase()} [${context}] ${this.stringifyMessage(message, logLevel)}`);
  }

  protected override printStackTrace(stack: string): void {
    if (stack) heldBackLines().push(stack);
  }
}

/**
 * What the application printed while `run` ran: what reached standard output (the audit lines, banners) and what it
 * logged through Nest's logger, which the tests hold back rather than print (a line each).
 */
export async function printedDuring(run: () => Promise<void>): Promise<string> {
  const { jest } = await import('@jest/globals');
  const written: string[] = [];
  const logged = heldBackLines();
  const loggedBefore = logged.length;
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return [...written, ...logged.slice(loggedBefore).map((line) => `${line}\n`)].join('');
}

export function heldBackLines(): string[] {
  const scope = globalThis as typeof globalThis & { [HELD_BACK_LINES]?: string[] };
  return (scope[HELD_BACK_LINES] ??= []);
}
