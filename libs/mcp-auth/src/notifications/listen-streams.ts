import { Inject, Injectable } from '@nestjs/common';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { McpPrincipal } from '../authentication/principal.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { MCP_EVENT_BUS } from './event-bus.provider.js';
import { endingAt } from './stream-deadline.js';

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
 * The stream itself ends when the principal's token expires.
 */
@Injectable()
export class ListenStreams implements ServerEventBus {
  private readonly listening = new AsyncLocalStorage<McpPrincipal>();

  constructor(
    @Inject(MCP_EVENT_BUS) private readonly bus: ServerEventBus,
    private readonly catalogue: ToolCatalogue,
    private readonly policy: ScopePolicy,
  ) {}

  /** Serves one `subscriptions/listen` request of `principal` (`handle` is the SDK's handler); its stream ends when the token expires. */
  async open(principal: McpPrincipal, handle: () => Promise<Response>): Promise<Response> {
    const response = await this.listening.run(principal, handle);
    return principal.expiresAt === undefined ? response : endingAt(response, principal.expiresAt * 1000);
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
