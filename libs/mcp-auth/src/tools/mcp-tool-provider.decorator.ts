import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { MCP_TOOL_PROVIDER_METADATA } from '../mcp-auth.constants.js';

/**
 * Marks a class whose `@McpTool()`, `@McpResource()` and `@McpPrompt()` methods are
 * served over MCP. It is an ordinary (singleton) provider: declare it in any
 * module's `providers` and it is found at bootstrap, with its dependencies injected
 * as usual. `@RequireScopes()` on the class applies to every one of its methods.
 *
 * @example
 * ```ts
 * @McpProvider()
 * export class ProductTools {
 *   constructor(private readonly products: ProductsService) {}
 * }
 * ```
 */
export function McpProvider(): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(MCP_TOOL_PROVIDER_METADATA, true));
}

/** The same as {@link McpProvider}, named for classes that hold tools. */
export const McpToolProvider = McpProvider;
