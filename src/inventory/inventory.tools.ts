import { BadGatewayException, Inject, NotFoundException } from '@nestjs/common';
import { McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { z } from 'zod';

/** Where the inventory API is and how a token for it is asked for. */
export interface InventorySettings {
  /** The inventory API's base URL. */
  readonly url: string;
  /** What `ctx.tokenFor` asks for: the API's audience (Keycloak: its client id; Entra: its Application ID URI). */
  readonly audience: string;
  /** The scopes asked for there. */
  readonly scopes: readonly string[];
}

export const INVENTORY_SETTINGS = Symbol('example:inventory-settings');

/**
 * A tool that calls another API as the user: `stock_level` gets a token for the inventory API by
 * token exchange (the caller's own token never leaves this server) and reads the stock there.
 */
@McpToolProvider()
export class InventoryTools {
  constructor(@Inject(INVENTORY_SETTINGS) private readonly inventory: InventorySettings) {}

  @McpTool({
    name: 'stock_level',
    description: 'How many of a product are in stock, read from the inventory API as you',
    input: { sku: z.string().regex(/^[A-Za-z0-9-]{1,40}$/) },
    output: { sku: z.string(), level: z.number().int() },
    annotations: { readOnlyHint: true, openWorldHint: true },
  })
  @RequireScopes('User.Read')
  async stockLevel({ sku }: { sku: string }, ctx: McpToolContext) {
    const token = await ctx.tokenFor({ audience: this.inventory.audience, scopes: this.inventory.scopes });
    const response = await fetch(`${this.inventory.url}/stock/${encodeURIComponent(sku)}`, {
      headers: { authorization: token.authorization },
      signal: ctx.signal,
    });
    if (response.status === 404) throw new NotFoundException(`No product with SKU ${sku} in the inventory`);
    if (!response.ok) throw new BadGatewayException(`The inventory API answered HTTP ${response.status}`);
    return (await response.json()) as { sku: string; level: number };
  }
}
