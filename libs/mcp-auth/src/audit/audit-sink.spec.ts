import { jest } from '@jest/globals';
import { Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { McpAuditEvent } from './audit-event.js';
import { LoggerAuditSink } from './audit-sink.js';

const EVENT: McpAuditEvent = {
  time: '2026-01-01T00:00:00.000Z',
  action: 'tools/call',
  outcome: 'denied',
  reason: 'insufficient_scope',
  issuer: 'https://idp.example',
  subject: 'u1',
  client: 'c1',
  tool: 'delete',
  missingScopes: ['Admin.Write'],
  sessionId: 's-1',
  ip: '127.0.0.1',
};

/** A destination that keeps each write (one chunk of lines) as it arrives. */
function capture() {
  const writes: string[] = [];
  return {
    writes,
    destination: {
      write: (chunk: string, callback?: (error?: Error | null) => void) => {
        writes.push(chunk);
        callback?.();
        return true;
      },
    },
    lines: () =>
      writes
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as McpAuditEvent & Record<string, unknown>),
  };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('LoggerAuditSink (the default sink)', () => {
  // An application logger of its own: its levels are Nest's `Logger.logLevels`, which the level test sets and clears.
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  beforeAll(() => Logger.overrideLogger(quiet));

  it('writes one JSON line per event with every field, context McpAuthAudit, level log', async () => {
    const out = capture();
    new LoggerAuditSink({ destination: out.destination }).record(EVENT);
    await endOfTurn();
    expect(out.writes).toEqual([expect.stringMatching(/^\{[^\n]*\}\n$/)]);
    expect(out.lines()).toEqual([{ level: 'log', context: 'McpAuthAudit', ...EVENT }]);
  });

  it('writes nothing, and serialises nothing, while Nest’s log level is off', async () => {
    const out = capture();
    const sink = new LoggerAuditSink({ destination: out.destination });
    Logger.overrideLogger(['error', 'warn']);
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      sink.record(EVENT);
      await endOfTurn();
      expect(out.writes).toHaveLength(0);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
      (Logger as unknown as { logLevels?: unknown }).logLevels = undefined;
    }
    sink.record(EVENT);
    await endOfTurn();
    expect(out.writes).toHaveLength(1);
  });

  it('gathers the lines of one turn and writes them together after it, off the caller’s path', async () => {
    const out = capture();
    const sink = new LoggerAuditSink({ destination: out.destination });
    for (let index = 0; index < 20; index++) sink.record({ ...EVENT, tool: `t${index}` });
    expect(out.writes).toHaveLength(0);
    await endOfTurn();
    expect(out.writes).toHaveLength(1);
    expect(out.lines().map((line) => line.tool)).toEqual(Array.from({ length: 20 }, (_, index) => `t${index}`));
  });

  it('writes at once when batchBytes are gathered, then gathers again', async () => {
    const out = capture();
    const sink = new LoggerAuditSink({ destination: out.destination, batchBytes: 1024 });
    for (let index = 0; index < 10; index++) sink.record({ ...EVENT, tool: `t${index}` });
    // Each line is about 250 characters: the fifth reaches 1 KB and is written with the four before it.
    expect(out.writes).toHaveLength(2);
    await endOfTurn();
    expect(out.lines().map((line) => line.tool)).toEqual(Array.from({ length: 10 }, (_, index) => `t${index}`));
  });

  it('loses nothing at shutdown: the application’s close writes what is gathered', async () => {
    const out = capture();
    const sink = new LoggerAuditSink({ destination: out.destination });
    @Module({ providers: [{ provide: 'audit sink', useFactory: () => sink }] })
    class SinkModule {}
    const app = (await Test.createTestingModule({ imports: [SinkModule] }).compile()).createNestApplication({ logger: quiet });
    await app.init();
    await endOfTurn();
    for (let index = 0; index < 7; index++) sink.record({ ...EVENT, tool: `t${index}` });
    expect(out.writes).toHaveLength(0);
    await app.close();
    expect(out.lines()).toHaveLength(7);
  });

  it('loses nothing when the process exits in the same turn (process.exit right after the decisions)', () => {
    // A real process: the sink's source run by Node itself, its standard output read back.
    const source = fileURLToPath(new URL('./audit-sink.ts', import.meta.url));
    const script = `
      const { LoggerAuditSink } = await import(${JSON.stringify(source)});
      const sink = new LoggerAuditSink();
      for (let index = 0; index < 50; index++) sink.record({ time: 't', action: 'tools/call', outcome: 'allowed', tool: 'x' + index });
      process.exit(0);
    `;
    const stdout = execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const tools = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as McpAuditEvent).tool);
    expect(tools).toEqual(Array.from({ length: 50 }, (_, index) => `x${index}`));
  });
});
