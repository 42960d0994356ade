import { Inject, Injectable } from '@nestjs/common';
import type { ServerEventBus, ServerNotifier } from '@modelcontextprotocol/server';
import { MCP_EVENT_BUS } from './event-bus.provider.js';
import { isResourceUri } from './server-event-message.js';

/**
 * Announces changes to connected clients, on both MCP eras: `subscriptions/listen`
 * streams (2026-07-28) that asked for the kind of change, and the legacy sessions of
 * this process (list-changed notifications, and `notifications/resources/updated` to the
 * sessions that sent `resources/subscribe` for the URI). With `redis` configured the
 * announcement reaches the clients of every replica. A client only hears of a resource
 * it may read.
 *
 * @example
 * ```ts
 * @McpProvider()
 * export class ProductTools {
 *   constructor(private readonly products: ProductsService, private readonly notifier: McpNotifier) {}
 *
 *   @McpTool({ name: 'create_product', input: { name: z.string() } })
 *   createProduct({ name }: { name: string }) {
 *     const product = this.products.create(name);
 *     this.notifier.resourceUpdated('products://catalog');
 *     return product;
 *   }
 * }
 * ```
 */
@Injectable()
export class McpNotifier implements ServerNotifier {
  constructor(@Inject(MCP_EVENT_BUS) private readonly bus: ServerEventBus) {}

  /** The tools changed (`notifications/tools/list_changed`). */
  toolsChanged(): void {
    this.bus.publish({ kind: 'tools_list_changed' });
  }

  /** The prompts changed (`notifications/prompts/list_changed`). */
  promptsChanged(): void {
    this.bus.publish({ kind: 'prompts_list_changed' });
  }

  /** Resources were added or removed (`notifications/resources/list_changed`). */
  resourcesChanged(): void {
    this.bus.publish({ kind: 'resources_list_changed' });
  }

  /**
   * The content of the resource at `uri` changed (`notifications/resources/updated`).
   *
   * @throws TypeError when `uri` is not a non-empty string of at most 2048 characters.
   */
  resourceUpdated(uri: string): void {
    if (!isResourceUri(uri))
      throw new TypeError('McpNotifier.resourceUpdated needs the URI of a resource (a non-empty string, at most 2048 characters)');
    this.bus.publish({ kind: 'resource_updated', uri });
  }
}
