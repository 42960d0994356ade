import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { McpPrincipal } from '../authentication/principal.js';
import { clientAddressOf } from '../transport/client-address.js';
import type { McpAuditAction, McpAuditEvent } from './audit-event.js';
import { boundedCallerText } from './caller-text.js';
import type { McpAuditSink } from './audit-sink.js';
import { MCP_AUTH_AUDIT_SINK } from './audit-sink.js';
import { McpMetrics } from '../observability/mcp-metrics.js';

type Details = Omit<McpAuditEvent, 'time' | 'action' | 'outcome' | 'issuer' | 'subject' | 'client' | 'dpopJkt'>;

/**
 * Turns each authorization decision into an {@link McpAuditEvent} and hands it to the
 * configured sink. A failing sink is logged and never fails the request it describes.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('McpAuth');

  constructor(
    @Inject(MCP_AUTH_AUDIT_SINK) private readonly sink: McpAuditSink,
    /** Every decision passes here, so it is counted here too; null while metrics are off. */
    @Optional() @Inject(McpMetrics) private readonly metrics: McpMetrics | null = null,
  ) {}

  /** A decision about a validated principal (listing, calling, session use, rate limit). */
  decided(action: McpAuditAction, outcome: McpAuditEvent['outcome'], principal: McpPrincipal, details: Details = {}): void {
    this.record({
      action,
      outcome,
      issuer: principal.issuer,
      subject: principal.sub,
      ...(principal.clientId ? { client: principal.clientId } : {}),
      ...(principal.confirmation ? { dpopJkt: principal.confirmation.jkt } : {}),
      ...details,
    });
  }

  /** A request refused before any token was validated: nothing about the caller is known but its address. */
  refusedRequest(req: IncomingMessage, reason: string, action: McpAuditAction = 'authenticate'): void {
    this.record({ action, outcome: 'denied', reason, ip: clientAddressOf(req), ...sessionOf(req) });
  }

  private record(event: Omit<McpAuditEvent, 'time'>): void {
    const full: { -readonly [Field in keyof McpAuditEvent]: McpAuditEvent[Field] } = { time: new Date().toISOString(), ...event };
    // The caller named the tool, resource and prompt: each is cut to 256 characters (`boundedCallerText`).
    if (full.tool !== undefined) full.tool = boundedCallerText(full.tool);
    if (full.resource !== undefined) full.resource = boundedCallerText(full.resource);
    if (full.prompt !== undefined) full.prompt = boundedCallerText(full.prompt);
    this.metrics?.decided(full);
    try {
      const pending = this.sink.record(full);
      if (pending && typeof pending.then === 'function') pending.then(undefined, (error: unknown) => this.sinkFailed(error));
    } catch (error) {
      this.sinkFailed(error);
    }
  }

  private sinkFailed(error: unknown): void {
    this.logger.error(`Audit sink failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** The session a request names, shortened: the header is the caller's to fill. */
export function sessionOf(req: IncomingMessage): { sessionId?: string } {
  const value = req.headers['mcp-session-id'];
  return typeof value === 'string' && value !== '' ? { sessionId: value.slice(0, 64) } : {};
}
