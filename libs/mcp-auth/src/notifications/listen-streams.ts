import { Inject, Injectable } from '@nestjs/common';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { McpPrincipal } from '../authentication/principal.js';
import { ownerKeyOf } from '../authentication/principal.js';
import { HeldCounts } from '../limits/held-counts.js';
import { LimitExceededException } from '../limits/limit-exceeded.exception.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { MCP_EVENT_BUS } from './event-bus.provider.js';
import { endableStream, isEventStream, watchStream } from './stream-lifetime.js';

/** What a subject over its number of open streams is told to wait before trying again, in seconds. */
const STREAM_LIMIT_RETRY_AFTER_SECONDS = 30;

/**
 * The 2026-07-28 `subscriptions/listen` streams, as the bus the SDK's modern handler
 * subscribes them to. The SDK calls `subscribe()` while it handles the listen request,
 * and knows nothing of who is listening: {@link open} runs that handling with the
 * caller's principal in an `AsyncLocalStorage`, so each listener is wrapped with that
 * principal's checks when it subscribes:
 *
 * - `resources/updated` only for a resource the principal may read (its
 *   `@RequireScopes()`, checked at each event), never for a URI the catalogue does not
 *   have, and nothing once the token has expired;
 * - the list-changed notifications to every listener that asked for them: they carry
 *   nothing but "this list changed", and the list it then asks for shows only what its
 *   scopes allow.
 *
 * The stream itself ends when the principal's token expires, or when `validateUser` (asked
 * again every `revalidateUserMs`) no longer knows the user. This instance holds at most
 * `maxListenStreams` open streams (the SDK's handler is given the same bound, which it
 * would answer with an internal error; it is refused here first, with 503), and a subject
 * at most `maxListenStreamsPerSubject` of them (429), so that it takes many subjects to
 * fill the process.
 */
@Injectable()
export class ListenStreams implements ServerEventBus {
  private readonly listening = new AsyncLocalStorage<McpPrincipal>();
  /** Open streams per subject (issuer and id), and in all. */
  private readonly perOwner = new HeldCounts();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<
      ResolvedMcpAuthOptions,
      'maxListenStreams' | 'maxListenStreamsPerSubject' | 'validateUser' | 'revalidateUserMs'
    >,
    @Inject(MCP_EVENT_BUS) private readonly bus: ServerEventBus,
    private readonly catalogue: ToolCatalogue,
    private readonly policy: ScopePolicy,
  ) {}

  /**
   * Takes a place for a new stream of `principal`, or refuses it; returns the function
   * that gives the place back (once the stream has ended: {@link open} does that).
   *
   * @throws LimitExceededException 503 when this instance holds `maxListenStreams` open streams,
   *   429 when the subject already has `maxListenStreamsPerSubject`.
   */
  reserve(principal: McpPrincipal): () => void {
    if (this.perOwner.total >= this.options.maxListenStreams) {
      throw new LimitExceededException(
        503,
        `Service Unavailable: this server holds its maximum of ${this.options.maxListenStreams} listen streams; try again later`,
        STREAM_LIMIT_RETRY_AFTER_SECONDS,
      );
    }
    const owner = ownerKeyOf(principal);
    const held = this.perOwner.of(owner);
    if (held >= this.options.maxListenStreamsPerSubject) {
      throw new LimitExceededException(
        429,
        `Too Many Requests: this subject already has ${held} open listen streams; close one or let it end`,
        STREAM_LIMIT_RETRY_AFTER_SECONDS,
      );
    }
    return this.perOwner.take(owner);
  }

  /**
   * Serves one `subscriptions/listen` request of `principal` (`handle` is the SDK's
   * handler) on the place {@link reserve} took; its stream ends when the token expires or
   * `validateUser` no longer knows the user (asked again every `revalidateUserMs`), and
   * gives the place back when it ends.
   */
  async open(principal: McpPrincipal, release: () => void, handle: () => Promise<Response>): Promise<Response> {
    let response: Response;
    try {
      response = await this.listening.run(principal, handle);
    } catch (error) {
      release();
      throw error;
    }
    if (!isEventStream(response)) {
      release();
      return response;
    }
    let stopWatching = () => {};
    const stream = endableStream(response, () => {
      stopWatching();
      release();
    });
    stopWatching = watchStream(principal, this.options, () => stream.end());
    return stream.response;
  }

  publish(event: ServerEvent): void {
    this.bus.publish(event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    // Outside open() nobody is known to be listening: such a listener hears of no resource.
    const principal = this.listening.getStore();
    return this.bus.subscribe((event) => {
      if (this.mayHear(principal, event)) listener(event);
    });
  }

  private mayHear(principal: McpPrincipal | undefined, event: ServerEvent): boolean {
    if (event.kind !== 'resource_updated') return true;
    if (!principal || (principal.expiresAt !== undefined && principal.expiresAt * 1000 <= Date.now())) return false;
    const found = this.catalogue.resource(event.uri);
    return found !== undefined && this.policy.decide(principal, found.resource.requirements).allowed;
  }
}

/** Whether a modern message opens a listen stream. */
export function isListenRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'subscriptions/listen';
}
