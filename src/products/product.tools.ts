import { Logger } from '@nestjs/common';
import { McpArgs, McpContext, McpNotifier, McpPrincipal, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { ProductsService } from './products.service.js';

/** The resource the tools change. */
const CATALOG_URI = 'products://catalog';

/** A product as the tools return it (their declared `output`). */
const product = z.object({ id: z.number().int(), name: z.string(), price: z.number() });

/** What a new product is made of (`create_product`, each entry of `import_products`). */
const newProduct = { name: z.string().min(1).max(200), price: z.number().nonnegative() };

/** The most products one `import_products` call takes. */
const MAX_IMPORT = 1000;

/** The form `delete_product` shows the user before it deletes anything. */
const deletion = z.object({ confirm: z.boolean().describe('Yes, delete this product') });

/**
 * The catalogue's MCP tools: reading needs User.Read, writing User.Write or Admin.Write, deleting Admin.Write.
 * A change is announced to the clients listening to `products://catalog` (the list of resources stays the same:
 * products are reached through the `products://items/{id}` template).
 */
@McpToolProvider()
export class ProductTools {
  private readonly logger = new Logger('ProductTools');

  constructor(
    private readonly products: ProductsService,
    private readonly notifier: McpNotifier,
  ) {}

  @McpTool({
    name: 'list_products',
    description: 'List the products in the catalogue',
    output: { products: z.array(product) },
    annotations: { readOnlyHint: true },
  })
  @RequireScopes('User.Read')
  listProducts() {
    return { products: this.products.list() };
  }

  @McpTool({
    name: 'create_product',
    description: 'Add a product to the catalogue',
    input: newProduct,
    output: product,
  })
  @RequireScopes({ anyOf: ['User.Write', 'Admin.Write'] })
  createProduct({ name, price }: { name: string; price: number }) {
    const created = this.products.create(name, price);
    this.notifier.resourceUpdated(CATALOG_URI);
    return created;
  }

  @McpTool({
    name: 'import_products',
    description: `Add up to ${MAX_IMPORT} products to the catalogue at once, reporting progress`,
    input: { products: z.array(z.object(newProduct)).min(1).max(MAX_IMPORT) },
    output: { products: z.array(product) },
  })
  @RequireScopes({ anyOf: ['User.Write', 'Admin.Write'] })
  async importProducts({ products }: { products: Array<{ name: string; price: number }> }, ctx: McpToolContext) {
    const imported: Array<z.infer<typeof product>> = [];
    for (const { name, price } of products) {
      // A cancelled call stops here: what was imported stays, the rest is not.
      if (ctx.signal.aborted) break;
      imported.push(this.products.create(name, price));
      // Sent only to a client that asked for progress (a progressToken), one report per product.
      await ctx.progress(imported.length, products.length, `Imported ${name}`);
    }
    await ctx.log('info', `Imported ${imported.length} of ${products.length} products`);
    this.notifier.resourceUpdated(CATALOG_URI);
    return { products: imported };
  }

  @McpTool({
    name: 'delete_product',
    description: 'Remove a product from the catalogue, once the user confirms',
    input: { id: z.number().int() },
    annotations: { destructiveHint: true },
  })
  @RequireScopes('Admin.Write')
  // Parameter decorators instead of (args, context): the argument by name, who is calling, and the call (to ask the user).
  async deleteProduct(@McpArgs('id') id: number, @McpPrincipal() principal: McpPrincipal, @McpContext() ctx: McpToolContext) {
    // Before the question, only reads: on revision 2026-07-28 the method runs again, from the top, with the answer.
    const { name } = this.products.get(id);
    const answer = await ctx.elicit({ message: `Delete "${name}" (id ${id}) from the catalogue?`, schema: deletion });
    if (answer.action !== 'accept' || !answer.content.confirm) return `Nothing deleted: "${name}" stays in the catalogue.`;
    const deleted = this.products.delete(id);
    this.logger.log(`Product ${id} deleted by ${principal.sub}`);
    this.notifier.resourceUpdated(CATALOG_URI);
    this.notifier.resourceUpdated(`products://items/${id}`);
    return deleted;
  }
}
