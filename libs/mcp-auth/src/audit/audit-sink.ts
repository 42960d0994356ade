import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import type { McpAuditEvent } from './audit-event.js';

/** Injection token of the {@link McpAuditSink} that receives every authorization decision. */
export const MCP_AUTH_AUDIT_SINK = Symbol('mcp-auth:audit-sink');

/**
 * Receives authorization decisions. Implement it to forward events to a SIEM; a
 * returned promise is not awaited by requests, and its rejection is logged, never thrown.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   issuer, resourceUrl,
 *   auditSink: { record: (event) => siem.send(event) },
 * })
 * ```
 */
export interface McpAuditSink {
  record(event: McpAuditEvent): void | Promise<void>;
}

/** Where {@link LoggerAuditSink} writes, and how much it gathers per write. */
export interface LoggerAuditSinkOptions {
  /** A file descriptor, a file path, or a stream. Default: standard output (1). */
  readonly destination?: number | string | DestinationStream;
  /** Bytes gathered before a write (default 4096); whatever is left is written at shutdown. */
  readonly batchBytes?: number;
}

/**
 * The default sink: one JSON line per decision, `{"level":"log","context":"McpAuthAudit",
 * "time":…,"action":…,…}` with every field of the {@link McpAuditEvent}, on standard
 * output. Lines are written by pino asynchronously and in batches (a write per 4 KB
 * gathered, off the request's path), and flushed when the application shuts down (Nest's
 * `onApplicationShutdown`, which `enableShutdownHooks()` runs on SIGTERM) or the process
 * exits, so none is lost. Like Nest's own lines they follow Nest's log levels: nothing is
 * written, or serialised, while the `log` level is off (`Logger.overrideLogger`,
 * `logger: [...]`, the example's `LOG_LEVEL=warn`).
 *
 * Before issue 23 each decision was one synchronous line through Nest's `ConsoleLogger`,
 * which cost an allowed call about a tenth of its server time when standard output is a
 * pipe (as a container runtime collects logs). To keep the lines in the application's own
 * logger, pass `auditSink: { record: (event) => logger.log(event, 'McpAuthAudit') }`.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ issuer, resourceUrl, auditSink: new LoggerAuditSink({ destination: '/var/log/mcp-audit.jsonl' }) })
 * ```
 */
export class LoggerAuditSink implements McpAuditSink, OnApplicationShutdown {
  private readonly lines: PinoLogger;

  constructor(options: LoggerAuditSinkOptions = {}) {
    const destination = options.destination ?? 1;
    const stream =
      typeof destination === 'object'
        ? destination
        : pino.destination({ dest: destination, sync: false, minLength: options.batchBytes ?? 4096 });
    this.lines = pino(
      {
        base: { context: 'McpAuthAudit' },
        // The event carries its own time (ISO 8601); the level reads as Nest's.
        timestamp: false,
        formatters: { level: () => ({ level: 'log' }) },
      },
      stream,
    );
  }

  record(event: McpAuditEvent): void {
    if (!Logger.isLevelEnabled('log')) return;
    this.lines.info(event);
  }

  /** Writes what is still gathered; resolves once it is written. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.lines.flush(() => resolve()));
  }

  /** After every module's own shutdown (the endpoint's drain records its last decisions): nothing gathered is left behind. */
  onApplicationShutdown(): Promise<void> {
    return this.flush();
  }
}
