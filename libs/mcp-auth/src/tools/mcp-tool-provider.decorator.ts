import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { MCP_TOOL_PROVIDER_METADATA } from '../mcp-auth.constants.js';

/**
 * Marks a class whose `@McpTool()` methods are MCP tools. It is an ordinary
 * (singleton) provider: declare it in any module's `providers` and it is found at
 * bootstrap, with its dependencies injected as usual.
 *
 * @example
 * ```ts
 * @McpToolProvider()
 * export class ProductTools {
 *   constructor(private readonly products: ProductsService) {}
 * }
 * ```
 */
export function McpToolProvider(): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(MCP_TOOL_PROVIDER_METADATA, true));
}
