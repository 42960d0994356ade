import { McpPrompt, McpProvider, RequireScopes } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { ProductsService } from './products.service.js';

/** Prompts for catalogue editors: writing product copy needs User.Write. */
@McpProvider()
export class ProductPrompts {
  constructor(private readonly products: ProductsService) {}

  @McpPrompt({
    name: 'product_description',
    title: 'Product description',
    description: 'Ask the model for a short marketing description of a product',
    args: {
      id: z.string().regex(/^\d+$/, 'must be a product id').describe('The product id'),
      tone: z.string().max(40).optional().describe('The tone of voice, e.g. "playful"'),
    },
    // As the user types an id (or part of a product's name), the client is offered matching ids.
    complete: { id: 'completeProductId' },
  })
  @RequireScopes('User.Write')
  productDescription({ id, tone }: { id: string; tone?: string }) {
    const product = this.products.get(Number(id));
    return `Write a two-sentence${tone ? ` ${tone}` : ''} description of "${product.name}" (price ${product.price.toFixed(2)}) for the catalogue.`;
  }

  /** Completion of the `id` argument: the ids matching what was typed, by id or by product name. */
  completeProductId(typed: string): string[] {
    return this.products.idsMatching(typed);
  }
}
