import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type {
  EmptyResult,
  Server,
  ServerContext,
  ServerEvent,
  ServerEventBus,
  SubscribeRequest,
  UnsubscribeRequest,
} from '@modelcontextprotocol/server';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import type { HandlerAuthorization } from '../server/handler-authorization.js';
import { principalOf } from '../server/handler-authorization.js';
import { reachable } from '../server/catalogue-server.js';
import { MCP_EVENT_BUS } from './event-bus.provider.js';
import { MAX_RESOURCE_SUBSCRIPTIONS } from './listen-request-bounds.js';
import { boundedCallerText } from '../audit/caller-text.js';

/** A legacy session of this process that may hear of changes: its server and the URIs it subscribed to. */
interface ListeningSession {
  readonly server: Server;
  readonly uris: Set<string>;
}

/**
 * Change notifications for the legacy (2025) sessions of this process. Every event on
 * the bus (published here or, with Redis, on another replica) goes to the sessions as
 * the 2025 revisions deliver it, on the session's GET stream: the list-changed
 * notifications to every session, `notifications/resources/updated` to the sessions
 * that subscribed to the URI with `resources/subscribe`, where the resource's
 * `@RequireScopes()` were checked. A server is followed from its `initialize` to its close.
 */
@Injectable()
export class LegacySessionNotifications implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('McpAuth');
  private readonly sessions = new Map<string, ListeningSession>();
  private unsubscribe?: () => void;
  /** A server's `oninitialized`: from then on it serves a session (or, without a session id, one stateless request). */
  private readonly initialized: (this: Server) => void;

  constructor(
    @Inject(MCP_EVENT_BUS) private readonly bus: ServerEventBus,
    private readonly catalogue: ToolCatalogue,
  ) {
    const sessions = this.sessions;
    this.initialized = function (this: Server): void {
      const id = this.transport?.sessionId;
      if (id === undefined) return;
      sessions.set(id, { server: this, uris: new Set() });
      const onclose = this.onclose;
      this.onclose = () => {
        sessions.delete(id);
        onclose?.();
      };
    };
  }

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.deliver(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.sessions.clear();
  }

  /**
   * For the server factory: follow `server` once it has opened a session. One function
   * for every server (called with the server as `this`), so a server serving one modern
   * request costs nothing here.
   */
  follow(server: Server): void {
    server.oninitialized = this.initialized;
  }

  /** The `resources/subscribe` and `resources/unsubscribe` handlers, checking the resource's scopes. */
  handlers(authorization: HandlerAuthorization) {
    const subscribe = (request: SubscribeRequest, ctx: ServerContext): EmptyResult => {
      const principal = principalOf(ctx.http?.authInfo);
      const { uri } = request.params;
      const found = this.catalogue.resource(uri);
      if (!found) {
        authorization.unknown(principal, 'resources/subscribe', { resource: uri }, ctx);
        throw new ResourceNotFoundError(boundedCallerText(uri));
      }
      authorization.refuseIfForbidden(principal, found.resource.requirements, 'resources/subscribe', { resource: uri }, ctx);
      const session = ctx.sessionId === undefined ? undefined : this.sessions.get(ctx.sessionId);
      if (!session)
        throw new ProtocolError(ProtocolErrorCode.InvalidRequest, 'resources/subscribe needs a session: this endpoint keeps none');
      if (!session.uris.has(uri) && session.uris.size >= MAX_RESOURCE_SUBSCRIPTIONS) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          `A session may subscribe to at most ${MAX_RESOURCE_SUBSCRIPTIONS} resources`,
        );
      }
      session.uris.add(uri);
      authorization.allowed(principal, 'resources/subscribe', { resource: uri }, ctx);
      return {};
    };
    const unsubscribe = (request: UnsubscribeRequest, ctx: ServerContext): EmptyResult => {
      if (ctx.sessionId !== undefined) this.sessions.get(ctx.sessionId)?.uris.delete(request.params.uri);
      return {};
    };
    return { subscribe: reachable(subscribe), unsubscribe: reachable(unsubscribe) };
  }

  /** How many sessions are followed (tests). */
  get size(): number {
    return this.sessions.size;
  }

  private deliver(event: ServerEvent): void {
    for (const { server, uris } of this.sessions.values()) {
      if (event.kind === 'resource_updated' && !uris.has(event.uri)) continue;
      void this.send(server, event).catch((error: Error) => {
        this.logger.warn(`Could not notify a legacy session of ${event.kind}: ${error.message}`);
      });
    }
  }

  private send(server: Server, event: ServerEvent): Promise<void> {
    const capabilities = server.getCapabilities();
    switch (event.kind) {
      case 'tools_list_changed':
        return server.sendToolListChanged();
      case 'prompts_list_changed':
        return capabilities.prompts ? server.sendPromptListChanged() : Promise.resolve();
      case 'resources_list_changed':
        return capabilities.resources ? server.sendResourceListChanged() : Promise.resolve();
      case 'resource_updated':
        return server.sendResourceUpdated({ uri: event.uri });
    }
  }
}
