import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { LimitExceededException } from '../limits/limit-exceeded.exception.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { McpServerFactory } from '../server/mcp-server.factory.js';
import { LegacyJsonTransport } from './legacy-json-transport.js';

/** An open legacy (2025-revision) MCP session: its protocol server, its transport, and the subject that owns it. */
export interface McpSession {
  readonly id: string;
  /** Issuer and id (`sub`, or Entra's `tid/oid`) of the principal that opened it; only that subject may use it. */
  readonly owner: string;
  readonly transport: LegacyJsonTransport;
  readonly server: Server;
  readonly createdAt: number;
  lastActivity: number;
  /** Gives its place back to the session limits; idempotent. */
  readonly release: () => void;
}

/** What a client is told to wait before trying to open a session again, in seconds. */
const SESSION_LIMIT_RETRY_AFTER_SECONDS = 30;

/**
 * The open sessions of the endpoint (the 2025 revisions only: revision 2026-07-28 has
 * no sessions). Each is the SDK's Streamable HTTP transport (with its direct JSON path,
 * {@link LegacyJsonTransport}) with a session id generator, connected to its own protocol server. Session ids are random UUIDs (122 random bits);
 * a session is closed and forgotten on DELETE, when its transport closes, after
 * `sessionIdleTimeoutMs` without requests, `sessionMaxLifetimeMs` after it opened,
 * and at shutdown. `maxSessions` and `maxSessionsPerSubject` bound how many exist,
 * counting those still initializing, so memory stays bounded under any load.
 */
@Injectable()
export class SessionRegistry implements OnModuleDestroy {
  private readonly sessions = new Map<string, McpSession>();
  /** Sessions per owner, including those whose `initialize` is still running. */
  private readonly perOwner = new Map<string, number>();
  private reserved = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly servers: McpServerFactory,
  ) {
    const shortest = Math.min(options.sessionIdleTimeoutMs, options.sessionMaxLifetimeMs);
    const every = Math.max(1_000, Math.min(60_000, Math.floor(shortest / 4)));
    this.sweeper = setInterval(() => this.closeExpired(), every);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  find(id: string): McpSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * Prepares a server and transport for an `initialize` request. The session is
   * registered under `owner` once the transport has assigned its id.
   *
   * @throws LimitExceededException 503 when `maxSessions` are open, 429 when this owner has `maxSessionsPerSubject`.
   */
  async prepare(owner: string): Promise<LegacyJsonTransport> {
    const release = this.reserve(owner);
    const server = this.servers.create();
    const transport: LegacyJsonTransport = new LegacyJsonTransport({
      sessionIdGenerator: randomUUID,
      enableJsonResponse: this.options.jsonResponse,
      onsessioninitialized: (id) => {
        const now = Date.now();
        this.sessions.set(id, { id, owner, transport, server, createdAt: now, lastActivity: now, release });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
        release();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
      release();
    };
    try {
      await server.connect(transport);
    } catch (error) {
      release();
      throw error;
    }
    return transport;
  }

  async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.release();
    await session.server.close().catch(() => undefined);
  }

  /** Takes a place for a new session of `owner`, or refuses; returns the function that gives it back. */
  private reserve(owner: string): () => void {
    if (this.reserved >= this.options.maxSessions) {
      throw new LimitExceededException(
        503,
        `Service Unavailable: ${this.options.maxSessions} sessions are open, the most this server keeps`,
        SESSION_LIMIT_RETRY_AFTER_SECONDS,
      );
    }
    const held = this.perOwner.get(owner) ?? 0;
    if (held >= this.options.maxSessionsPerSubject) {
      throw new LimitExceededException(
        429,
        `Too Many Requests: this subject already has ${held} open sessions; close one (DELETE) or let it expire`,
        SESSION_LIMIT_RETRY_AFTER_SECONDS,
      );
    }
    this.reserved++;
    this.perOwner.set(owner, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved--;
      const left = (this.perOwner.get(owner) ?? 1) - 1;
      if (left > 0) this.perOwner.set(owner, left);
      else this.perOwner.delete(owner);
    };
  }

  private closeExpired(): void {
    const now = Date.now();
    const idleCutoff = now - this.options.sessionIdleTimeoutMs;
    const lifetimeCutoff = now - this.options.sessionMaxLifetimeMs;
    for (const session of this.sessions.values()) {
      if (session.lastActivity < idleCutoff || session.createdAt < lifetimeCutoff) void this.close(session.id);
    }
  }

  /** Closes every session: aborts its running handlers and ends its streams (shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
