import { Logger } from '@nestjs/common';
import { McpArgs, McpNotifier, McpPrincipal, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { ProductsService } from './products.service.js';

/** The resource the tools change. */
const CATALOG_URI = 'products://catalog';

/** A product as the tools return it (their declared `output`). */
const product = z.object({ id: z.number().int(), name: z.string(), price: z.number() });

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
    input: { name: z.string().min(1).max(200), price: z.number().nonnegative() },
    output: product,
  })
  @RequireScopes({ anyOf: ['User.Write', 'Admin.Write'] })
  createProduct({ name, price }: { name: string; price: number }) {
    const created = this.products.create(name, price);
    this.notifier.resourceUpdated(CATALOG_URI);
    return created;
  }

  @McpTool({
    name: 'delete_product',
    description: 'Remove a product from the catalogue',
    input: { id: z.number().int() },
    annotations: { destructiveHint: true },
  })
  @RequireScopes('Admin.Write')
  // Parameter decorators instead of (args, context): the argument by name, and who is calling.
  deleteProduct(@McpArgs('id') id: number, @McpPrincipal() principal: McpPrincipal) {
    const deleted = this.products.delete(id);
    this.logger.log(`Product ${id} deleted by ${principal.sub}`);
    this.notifier.resourceUpdated(CATALOG_URI);
    this.notifier.resourceUpdated(`products://items/${id}`);
    return deleted;
  }
}
