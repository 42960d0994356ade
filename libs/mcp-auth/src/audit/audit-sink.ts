import { Logger } from '@nestjs/common';
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

/**
 * The default sink: one JSON line per decision through Nest's `Logger` (context
 * `McpAuthAudit`, level `log`). Nothing is serialised while that level is off.
 */
export class LoggerAuditSink implements McpAuditSink {
  private readonly logger = new Logger('McpAuthAudit');

  record(event: McpAuditEvent): void {
    if (!Logger.isLevelEnabled('log')) return;
    this.logger.log(JSON.stringify(event));
  }
}
