import { Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

function linesOf(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('LoggerAuditSink (the default sink)', () => {
  let dir: string;
  // An application logger of its own: its levels are Nest's `Logger.logLevels`, which the level test sets and clears.
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-sink-'));
    Logger.overrideLogger(quiet);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON line per event with every field, context McpAuthAudit, level log', () => {
    const written: string[] = [];
    new LoggerAuditSink({ destination: { write: (line: string) => void written.push(line) } }).record(EVENT);
    expect(written).toHaveLength(1);
    expect(written[0].endsWith('\n')).toBe(true);
    expect(written[0].slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(written[0])).toEqual({ level: 'log', context: 'McpAuthAudit', ...EVENT });
  });

  it('writes nothing while Nest’s log level is off', () => {
    const written: string[] = [];
    const sink = new LoggerAuditSink({ destination: { write: (line: string) => void written.push(line) } });
    Logger.overrideLogger(['error', 'warn']);
    try {
      sink.record(EVENT);
      expect(written).toHaveLength(0);
    } finally {
      (Logger as unknown as { logLevels?: unknown }).logLevels = undefined;
    }
    sink.record(EVENT);
    expect(written).toHaveLength(1);
  });

  it('gathers lines and writes them in batches, off the caller’s path; flush() writes the rest', async () => {
    const file = join(dir, 'batched.jsonl');
    const sink = new LoggerAuditSink({ destination: file, batchBytes: 8 * 1024 });
    await sink.flush(); // the file is open
    for (let index = 0; index < 20; index++) sink.record({ ...EVENT, tool: `t${index}` });
    // 20 lines of about 250 bytes stay under the 8 KB batch: nothing was written yet.
    expect(readFileSync(file, 'utf8')).toBe('');
    await sink.flush();
    const lines = linesOf(readFileSync(file, 'utf8')) as McpAuditEvent[];
    expect(lines.map((line) => line.tool)).toEqual(Array.from({ length: 20 }, (_, index) => `t${index}`));
  });

  it('loses nothing at shutdown: the application’s close flushes what is gathered', async () => {
    const file = join(dir, 'shutdown.jsonl');
    const sink = new LoggerAuditSink({ destination: file });
    @Module({ providers: [{ provide: 'audit sink', useFactory: () => sink }] })
    class SinkModule {}
    const app = (await Test.createTestingModule({ imports: [SinkModule] }).compile()).createNestApplication({ logger: quiet });
    await app.init();
    for (let index = 0; index < 7; index++) sink.record({ ...EVENT, tool: `t${index}` });
    expect(readFileSync(file, 'utf8')).toBe('');
    await app.close();
    expect(linesOf(readFileSync(file, 'utf8'))).toHaveLength(7);
  });
});
