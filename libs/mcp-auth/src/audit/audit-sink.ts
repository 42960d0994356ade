import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
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

/** Where {@link LoggerAuditSink} writes: standard output by default, or any writable stream (a file's, a socket's). */
export interface AuditLineDestination {
  write(chunk: string, callback?: (error?: Error | null) => void): unknown;
}

/** Where {@link LoggerAuditSink} writes, and how much it gathers before writing without waiting. */
export interface LoggerAuditSinkOptions {
  /** Default: `process.stdout`. */
  readonly destination?: AuditLineDestination;
  /** Characters gathered before they are written at once; otherwise they are written at the end of the event loop's turn (default 16 KiB). */
  readonly batchBytes?: number;
}

/** The sinks with lines not yet written: one `exit` listener for all of them writes what they hold. */
const holding = new Set<LoggerAuditSink>();
let exitListener: (() => void) | undefined;

/**
 * The default sink: one JSON line per decision, `{"level":"log","context":"McpAuthAudit",
 * "time":…,"action":…,…}` with every field of the {@link McpAuditEvent}, on standard output.
 * Lines are gathered and written together once per turn of the event loop (or as soon as
 * `batchBytes` are gathered), off the path of the request that made the decision; what is
 * still gathered is written when the application shuts down (`onApplicationShutdown`, which
 * `enableShutdownHooks()` runs on SIGTERM) or the process exits, so none is lost. Like Nest's
 * own lines they follow Nest's log levels: nothing is serialised while the `log` level is off
 * (`logger: [...]`, `Logger.overrideLogger`, the example's `LOG_LEVEL=warn`).
 *
 * Before issue 23 each decision was one synchronous line through Nest's `ConsoleLogger`
 * (timestamp, colours, a write per line): about a tenth of an allowed call's server time with
 * standard output on a pipe. Why not pino, the kept logger one would reach for: measured on a
 * pipe, its asynchronous destination costs 4.2–4.8 µs of CPU per line against 0.9 µs for the
 * batch written here (`JSON.stringify` and one write per turn), for the same lines. To keep the
 * lines in the application's own logger instead, pass
 * `auditSink: { record: (event) => logger.log(event, 'McpAuthAudit') }`.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ issuer, resourceUrl, auditSink: new LoggerAuditSink({ destination: createWriteStream('audit.jsonl', { flags: 'a' }) }) })
 * ```
 */
export class LoggerAuditSink implements McpAuditSink, OnApplicationShutdown {
  private readonly destination: AuditLineDestination;
  private readonly batchBytes: number;
  private gathered = '';
  private scheduled = false;
  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    this.write();
  };

  constructor(options: LoggerAuditSinkOptions = {}) {
    this.destination = options.destination ?? process.stdout;
    this.batchBytes = options.batchBytes ?? 16 * 1024;
  }

  record(event: McpAuditEvent): void {
    if (!Logger.isLevelEnabled('log')) return;
    if (this.gathered === '') holdLines(this);
    // The same line as stringifying `{ level, context, ...event }`, without copying the event: its `{` gives way to theirs.
    this.gathered += `{"level":"log","context":"McpAuthAudit",${JSON.stringify(event).slice(1)}\n`;
    if (this.gathered.length >= this.batchBytes) return this.write();
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.endOfTurn);
  }

  /** Writes what is gathered now; resolves once the destination took it. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.write(() => resolve()));
  }

  /** After every module's own shutdown (the endpoint's drain records its last decisions): nothing gathered is left behind. */
  onApplicationShutdown(): Promise<void> {
    return this.flush();
  }

  /** Hands what is gathered to the destination (synchronous for standard output on a pipe, a file or a terminal on Linux). */
  write(done?: () => void): void {
    const chunk = this.gathered;
    this.gathered = '';
    holding.delete(this);
    if (chunk === '') return done?.();
    this.destination.write(chunk, done && (() => done()));
  }
}

/** Writes `sink`'s lines at process exit if they are still gathered then (a process.exit() in the same turn). */
function holdLines(sink: LoggerAuditSink): void {
  holding.add(sink);
  if (exitListener) return;
  exitListener = () => {
    for (const held of [...holding]) held.write();
  };
  process.once('exit', exitListener);
}
