import { BadRequestException } from '@nestjs/common';
import { McpProvider, McpResource, RequireScopes } from 'nestjs-mcp-auth';
import { ProductsService } from './products.service.js';

/** The catalogue as MCP resources: reading needs User.Read, like the list_products tool. */
@McpProvider()
@RequireScopes('User.Read')
export class ProductResources {
  constructor(private readonly products: ProductsService) {}

  @McpResource({
    uri: 'products://catalog',
    name: 'catalog',
    title: 'Product catalogue',
    description: 'Every product with its price',
    mimeType: 'application/json',
  })
  catalog() {
    return { products: this.products.list() };
  }

  @McpResource({
    uriTemplate: 'products://items/{id}',
    name: 'product',
    title: 'Product',
    description: 'One product by id',
    mimeType: 'application/json',
    // Offered only to callers that may read the resource (User.Read), like the resource itself.
    complete: { id: 'completeProductId' },
  })
  product(_uri: URL, { id }: { id?: string | string[] }) {
    const number = Number(id);
    // An HttpException's message is the client's to read (here -32602); any other error's is only logged.
    // It does not quote the id: that is the caller's text, as long as the request allows.
    if (!Number.isInteger(number)) throw new BadRequestException('Product id must be a whole number');
    return this.products.get(number);
  }

  /** Completion of the template's `id`: the ids matching what was typed, by id or by product name. */
  completeProductId(typed: string): string[] {
    return this.products.idsMatching(typed);
  }
}
