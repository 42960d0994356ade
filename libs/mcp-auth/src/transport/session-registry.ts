import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { randomUUID } from 'node:crypto';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { McpServerFactory } from '../server/mcp-server.factory.js';

/** An open MCP session: its protocol server, its transport, and the subject that owns it. */
export interface McpSession {
  readonly id: string;
  /** Issuer and id (`sub`, or Entra's `tid/oid`) of the principal that opened it; only that subject may use it. */
  readonly owner: string;
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  lastActivity: number;
}

/**
 * The open sessions of the endpoint. Session ids are random UUIDs (122 random bits);
 * a session is closed and forgotten on DELETE, when its transport closes, after
 * `sessionIdleTimeoutMs` without requests, and at shutdown.
 */
@Injectable()
export class SessionRegistry implements OnModuleDestroy {
  private readonly sessions = new Map<string, McpSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly servers: McpServerFactory,
  ) {
    const every = Math.max(1_000, Math.min(60_000, Math.floor(options.sessionIdleTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.closeIdle(), every);
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
   */
  async prepare(owner: string): Promise<StreamableHTTPServerTransport> {
    const server = this.servers.create();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      enableJsonResponse: this.options.jsonResponse,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { id, owner, transport, server, lastActivity: Date.now() });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport;
  }

  async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    await session.server.close().catch(() => undefined);
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.sessionIdleTimeoutMs;
    for (const session of this.sessions.values()) {
      if (session.lastActivity < cutoff) void this.close(session.id);
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}
