import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import type { ScopeOptions } from '@nestjs/common';
import { ENTRY_PROVIDER_WATERMARK } from '@nestjs/common/internal';
import { MCP_TOOL_PROVIDER_METADATA } from '../mcp-auth.constants.js';

/**
 * Marks a class whose `@McpTool()`, `@McpResource()` and `@McpPrompt()` methods are
 * served over MCP. It is an ordinary provider: declare it in any module's `providers`
 * and it is found at bootstrap, with its dependencies injected as usual (request-scoped
 * ones too: see `scope`). `@RequireScopes()` on the class applies to every one of its
 * methods, and so do `@UseGuards()`, `@UseInterceptors()`, `@UsePipes()` and `@UseFilters()`.
 *
 * @param options `{ scope: Scope.REQUEST }` for an instance per request, as `@Injectable()` takes it.
 *
 * @example
 * ```ts
 * @McpProvider()
 * export class ProductTools {
 *   constructor(private readonly products: ProductsService) {}
 * }
 * ```
 */
export function McpProvider(options?: ScopeOptions): ClassDecorator {
  return applyDecorators(
    Injectable(options),
    SetMetadata(MCP_TOOL_PROVIDER_METADATA, true),
    // An entry provider, as Nest's controllers and GraphQL's resolvers are: request-scoped
    // global enhancers (APP_GUARD with Scope.REQUEST...) then make it request-scoped too.
    SetMetadata(ENTRY_PROVIDER_WATERMARK, true),
  );
}

/** The same as {@link McpProvider}, named for classes that hold tools. */
export const McpToolProvider = McpProvider;
