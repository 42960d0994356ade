import { McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { ProductsService } from './products.service.js';

/** A product as the tools return it (their declared `output`). */
const product = z.object({ id: z.number().int(), name: z.string(), price: z.number() });

/** The catalogue's MCP tools: reading needs User.Read, writing User.Write or Admin.Write, deleting Admin.Write. */
@McpToolProvider()
export class ProductTools {
  constructor(private readonly products: ProductsService) {}

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
    return this.products.create(name, price);
  }

  @McpTool({
    name: 'delete_product',
    description: 'Remove a product from the catalogue',
    input: { id: z.number().int() },
    annotations: { destructiveHint: true },
  })
  @RequireScopes('Admin.Write')
  deleteProduct({ id }: { id: number }) {
    return this.products.delete(id);
  }
}
