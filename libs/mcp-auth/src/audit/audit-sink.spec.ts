import { Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import { LoggerAuditSink } from './audit-sink.js';

describe('LoggerAuditSink (the default sink)', () => {
  const lines: Array<{ message: unknown; context: unknown }> = [];
  const capture: LoggerService = {
    log: (message: unknown, context?: unknown) => lines.push({ message, context }),
    error: () => undefined,
    warn: () => undefined,
  };

  beforeAll(() => Logger.overrideLogger(capture));
  afterAll(() => Logger.overrideLogger(false));

  it("writes one JSON line per event through Nest's Logger, context McpAuthAudit", () => {
    const event = {
      time: '2026-01-01T00:00:00.000Z',
      action: 'tools/call',
      outcome: 'denied',
      reason: 'insufficient_scope',
      subject: 'u1',
      tool: 'delete',
      missingScopes: ['Admin.Write'],
    } as const;
    new LoggerAuditSink().record(event);
    expect(lines).toHaveLength(1);
    expect(lines[0].context).toBe('McpAuthAudit');
    expect(typeof lines[0].message).toBe('string');
    expect(String(lines[0].message)).not.toContain('\n');
    expect(JSON.parse(String(lines[0].message))).toEqual(event);
  });

  it('writes nothing while the log level is off', () => {
    lines.length = 0;
    Logger.overrideLogger(['error', 'warn']);
    try {
      new LoggerAuditSink().record({
        time: '2026-01-01T00:00:00.000Z',
        action: 'tools/call',
        outcome: 'allowed',
        subject: 'u1',
        tool: 'echo',
      });
      expect(lines).toHaveLength(0);
    } finally {
      (Logger as unknown as { logLevels?: unknown }).logLevels = undefined;
    }
    new LoggerAuditSink().record({
      time: '2026-01-01T00:00:00.000Z',
      action: 'tools/call',
      outcome: 'allowed',
      subject: 'u1',
      tool: 'echo',
    });
    expect(lines).toHaveLength(1);
  });
});
