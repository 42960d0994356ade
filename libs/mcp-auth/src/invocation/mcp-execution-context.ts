import type { ArgumentsHost, ContextType } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { McpPrincipal } from '../authentication/principal.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';

/** What `ExecutionContext.getType()` answers on a tool, resource or prompt call. */
export const MCP_CONTEXT_TYPE = 'mcp';

/**
 * The context types an enhancer meets in an application that serves MCP: Nest's own
 * (`http`, `rpc`, `ws`) and `mcp`, as `GqlContextType` adds `graphql`.
 *
 * @example
 * ```ts
 * if (context.getType<McpContextType>() === 'mcp') { ... }
 * ```
 */
export type McpContextType = typeof MCP_CONTEXT_TYPE | ContextType;

/** What a call operates on: a tool, a resource (with the URI read) or a prompt, by its registered name. */
export type McpOperation =
  | { readonly kind: 'tool'; readonly name: string }
  | { readonly kind: 'resource'; readonly name: string; readonly uri: string }
  | { readonly kind: 'prompt'; readonly name: string };

/** The protocol era a call arrived in: `modern` (2026-07-28 and later, one request at a time) or `legacy` (the 2025 revisions). */
export type McpProtocolEra = 'modern' | 'legacy';

/**
 * An MCP call as guards, interceptors, pipes and exception filters see it: the
 * `'mcp'` counterpart of `GqlExecutionContext`. Read it from the `ExecutionContext`
 * (or the `ArgumentsHost` of a filter) with {@link McpExecutionContext.from}.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class TenantGuard implements CanActivate {
 *   canActivate(context: ExecutionContext): boolean {
 *     if (context.getType<McpContextType>() !== 'mcp') return true;
 *     const { principal, operation, arguments: args } = McpExecutionContext.from(context);
 *     return operation.kind !== 'tool' || args.tenant === principal.claims.tenant;
 *   }
 * }
 * ```
 */
export abstract class McpExecutionContext {
  /** Who is calling, from the validated access token. */
  abstract readonly principal: McpPrincipal;
  /** What is called: `{ kind: 'tool', name }`, `{ kind: 'resource', name, uri }` or `{ kind: 'prompt', name }`. */
  abstract readonly operation: McpOperation;
  /**
   * The call's arguments, as the declared schema parsed them: a tool's or a prompt's
   * arguments, a resource template's variables (`{}` for a fixed resource).
   */
  abstract readonly arguments: Readonly<Record<string, unknown>>;
  /** The protocol era the call arrived in. */
  abstract readonly era: McpProtocolEra;
  /**
   * The protocol revision, when known: the one a 2026-07-28 request names in its
   * envelope, or the `MCP-Protocol-Version` a 2025 client sent (`2025-03-26`, the
   * revision the specification says to assume, when it sent none).
   */
  abstract readonly protocolVersion: string | undefined;
  /** The legacy MCP session the call was made on, if any (2026-07-28 requests have none). */
  abstract readonly sessionId: string | undefined;
  /** Aborted when the client cancels the call, the connection closes, or (tools) the request timeout passes. */
  abstract readonly signal: AbortSignal;
  /** The context the method receives as its last argument (or through `@McpContext()`). */
  abstract readonly context: McpToolContext;
  /**
   * The HTTP request that carried the call (Node's `IncomingMessage`, on Express and on
   * Fastify): its headers, with the body already read. Undefined when the call did not
   * come over this module's HTTP endpoint.
   */
  abstract readonly request: IncomingMessage | undefined;

  /**
   * The MCP call behind an enhancer's `ExecutionContext`, or a filter's `ArgumentsHost`.
   * Throws a `TypeError` when the context is not an MCP call (check
   * `context.getType<McpContextType>() === 'mcp'` first in an enhancer that also serves HTTP routes).
   */
  static from(context: ArgumentsHost): McpExecutionContext {
    const args = context.getArgs();
    const call = args[args.length - 1];
    if (context.getType<string>() !== MCP_CONTEXT_TYPE || !(call instanceof McpExecutionContext)) {
      throw new TypeError(`McpExecutionContext.from: not an MCP call (context type "${context.getType<string>()}")`);
    }
    return call;
  }
}
