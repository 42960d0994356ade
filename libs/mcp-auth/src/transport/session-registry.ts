import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { HeldCounts } from '../limits/held-counts.js';
import { LimitExceededException } from '../limits/limit-exceeded.exception.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { isLoggingLevel } from '../reporting/log-levels.js';
import type { CatalogueServer } from '../server/catalogue-server.js';
import { McpServerFactory } from '../server/mcp-server.factory.js';
import { LegacyJsonTransport } from './legacy-json-transport.js';
import { replayInitialize } from './replayed-initialize.js';
import { SharedSessionStore } from './shared-session-store.js';
import type { SharedSessionRecord } from './shared-session-store.js';

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
  /** With `redis`: what the fleet knows of it, and when this instance last renewed that (ms). */
  readonly shared?: { record: SharedSessionRecord; renewedAt: number };
}

/** Another subject's session, known from the fleet's record: refused like an unknown one. */
export const NOT_OWNED = 'not_owned';

/** What a client is told to wait before trying to open a session again, in seconds. */
const SESSION_LIMIT_RETRY_AFTER_SECONDS = 30;

/** How often, at most, a session in use renews its record in Redis: its TTL is one idle timeout. */
const RENEW_FRACTION_OF_IDLE_TIMEOUT = 4;

/**
 * The open sessions of the endpoint (the 2025 revisions only: revision 2026-07-28 has
 * no sessions). Each is the SDK's Streamable HTTP transport (with its direct JSON path,
 * {@link LegacyJsonTransport}) with a session id
 * generator, connected to its own protocol server. Session ids are random UUIDs (122 random bits);
 * a session is closed and forgotten on DELETE, when its transport closes, after
 * `sessionIdleTimeoutMs` without requests, `sessionMaxLifetimeMs` after it opened,
 * and at shutdown. `maxSessions` and `maxSessionsPerSubject` bound how many exist,
 * counting those still initializing, so memory stays bounded under any load.
 */
@Injectable()
export class SessionRegistry implements OnModuleDestroy {
  private readonly logger = new Logger('McpAuth');
  private readonly sessions = new Map<string, McpSession>();
  /** Sessions being restored from the fleet's record, so that concurrent requests restore each once. */
  private readonly restoring = new Map<string, Promise<McpSession | undefined>>();
  /** Sessions per owner and in all, including those whose `initialize` is still running. */
  private readonly perOwner = new HeldCounts();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly servers: McpServerFactory,
    private readonly shared: SharedSessionStore,
  ) {
    // The fleet's DELETEs end this instance's copies at once (the record's tombstone catches a missed message).
    shared.onEnded((id) => void this.close(id));
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
   * Prepares a server and transport for an `initialize` request (`message`). The session is
   * registered under `owner` once the transport has assigned its id; with `redis` it is
   * recorded for the fleet first.
   *
   * @throws LimitExceededException 503 when `maxSessions` are open, 429 when this owner has `maxSessionsPerSubject`
   * (here, or with `redis` across the fleet).
   */
  async prepare(owner: string, message?: unknown): Promise<LegacyJsonTransport> {
    const release = this.reserve(owner);
    const id = randomUUID();
    let shared: McpSession['shared'];
    if (this.shared.enabled) {
      const record: SharedSessionRecord = { owner, createdAt: Date.now(), initialize: (message as { params?: unknown })?.params };
      const opening = await this.shared.open(id, record);
      if (opening === 'over_subject_limit') {
        release();
        throw this.overSubjectLimit(this.options.maxSessionsPerSubject);
      }
      // Not recorded while Redis is down: renewed (so recorded) at its first use once Redis is back.
      shared = { record, renewedAt: opening === 'recorded' ? Date.now() : 0 };
    }
    const { transport } = await this.connect(id, owner, release, Date.now(), shared, true);
    return transport;
  }

  /**
   * A session this instance does not hold, from the fleet's record (with `redis`): rebuilt
   * here for its owner by replaying its handshake, {@link NOT_OWNED} for another subject
   * (nothing is built), undefined when the fleet does not know it either.
   */
  async restore(id: string, requester: string): Promise<McpSession | typeof NOT_OWNED | undefined> {
    if (!this.shared.enabled) return undefined;
    const record = await this.shared.find(id);
    if (!record) return undefined;
    if (record.owner !== requester) return NOT_OWNED;
    let restoring = this.restoring.get(id);
    if (!restoring) {
      restoring = this.rebuild(id, record).finally(() => this.restoring.delete(id));
      this.restoring.set(id, restoring);
    }
    return restoring;
  }

  /** Marks a session used; with `redis`, renews its record now and then, and closes it here when a replica ended it. */
  touch(session: McpSession): void {
    const now = Date.now();
    session.lastActivity = now;
    const shared = session.shared;
    if (!shared || now - shared.renewedAt < this.options.sessionIdleTimeoutMs / RENEW_FRACTION_OF_IDLE_TIMEOUT) return;
    shared.renewedAt = now;
    void this.shared.touch(session.id, shared.record).then((state) => {
      if (state === 'ended') void this.close(session.id);
      // Redis down: what this instance knows stands; try again on the next use.
      if (state === 'unavailable') shared.renewedAt = 0;
    });
  }

  private async rebuild(id: string, record: SharedSessionRecord): Promise<McpSession | undefined> {
    const existing = this.sessions.get(id);
    if (existing) return existing;
    const release = this.reserve(record.owner);
    const { transport, server } = await this.connect(id, record.owner, release, record.createdAt, { record, renewedAt: Date.now() }, false);
    try {
      await replayInitialize(transport, id, record.initialize, this.options.resourceUrl);
      // The level its client set on the replica it came from (the handshake replayed here set none).
      if (isLoggingLevel(record.logLevel)) server.logLevel = record.logLevel;
    } catch (error) {
      this.logger.warn(`Session ${id} could not be restored here: ${(error as Error).message}`);
      await server.close().catch(() => undefined);
      release();
      return undefined;
    }
    return this.sessions.get(id);
  }

  /** A server and a transport whose session (once initialized) is `id`, registered here under `owner`. */
  private async connect(
    id: string,
    owner: string,
    release: () => void,
    createdAt: number,
    shared: McpSession['shared'],
    opening: boolean,
  ): Promise<{ transport: LegacyJsonTransport; server: CatalogueServer }> {
    const server = this.servers.create();
    // With redis, a level the client sets is kept in the fleet's record, for a replica that restores the session.
    if (shared) {
      server.onLogLevel = (logLevel) => {
        shared.record = { ...shared.record, logLevel };
        return this.shared.update(id, shared.record);
      };
    }
    const transport: LegacyJsonTransport = new LegacyJsonTransport({
      sessionIdGenerator: () => id,
      enableJsonResponse: this.options.jsonResponse,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { id, owner, transport, server, createdAt, lastActivity: Date.now(), release, shared });
      },
      // DELETE: ended for the whole fleet before the client hears so.
      onsessionclosed: async (id) => {
        this.sessions.delete(id);
        release();
        if (id !== undefined && this.shared.enabled) await this.shared.end(id, owner);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
      // An initialize the SDK refused opened no session: its record goes too.
      else if (shared && opening) void this.shared.end(id, owner);
      release();
    };
    try {
      await server.connect(transport);
    } catch (error) {
      release();
      throw error;
    }
    return { transport, server };
  }

  /** Closes this instance's copy of a session (idle, shutdown, ended elsewhere); the fleet's record stays. */
  async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.release();
    await session.server.close().catch(() => undefined);
  }

  /** Takes a place for a new session of `owner`, or refuses; returns the function that gives it back. */
  private reserve(owner: string): () => void {
    if (this.perOwner.total >= this.options.maxSessions) {
      throw new LimitExceededException(
        503,
        `Service Unavailable: ${this.options.maxSessions} sessions are open, the most this server keeps`,
        SESSION_LIMIT_RETRY_AFTER_SECONDS,
      );
    }
    const held = this.perOwner.of(owner);
    if (held >= this.options.maxSessionsPerSubject) throw this.overSubjectLimit(held);
    return this.perOwner.take(owner);
  }

  private overSubjectLimit(held: number): LimitExceededException {
    return new LimitExceededException(
      429,
      `Too Many Requests: this subject already has ${held} open sessions; close one (DELETE) or let it expire`,
      SESSION_LIMIT_RETRY_AFTER_SECONDS,
    );
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
