import { assignMetadata } from '@nestjs/common';
import type { PipeTransform, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA, getParamArgsMetadata } from '@nestjs/common/internal';

/**
 * The parameters an MCP method can ask for. Numbers, as Nest's parameter metadata keys
 * need; far from Nest's own route parameter types, so that `@Body()` or `@Req()` on an
 * MCP method gets nothing rather than an MCP value.
 */
export enum McpParamtype {
  ARGUMENTS = 200,
  PRINCIPAL = 201,
  CONTEXT = 202,
}

type Pipe = Type<PipeTransform> | PipeTransform;

/**
 * Declares what a parameter receives, the way Nest's `@Body()` and GraphQL's `@Args()`
 * do: optional data (a property name) and pipes, stored where `createParamDecorator`
 * stores custom parameters, so both kinds mix on one method.
 */
function mcpParam(type: McpParamtype, dataOrPipe?: string | Pipe, pipes: Pipe[] = []): ParameterDecorator {
  const data = typeof dataOrPipe === 'string' ? dataOrPipe : undefined;
  const allPipes = dataOrPipe === undefined || typeof dataOrPipe === 'string' ? pipes : [dataOrPipe, ...pipes];
  return (target, key, index) => {
    const args = getParamArgsMetadata(ROUTE_ARGS_METADATA, target, key!, index);
    Reflect.defineMetadata(ROUTE_ARGS_METADATA, assignMetadata(args, type, index, { data, pipes: allPipes }), target.constructor, key!);
  };
}

/**
 * The call's arguments, as the declared `input` (or `args`) schema parsed them, or one
 * of them by name; a resource template's variables on a resource. Pipes run on the
 * value, like on `@Body()`.
 *
 * @example
 * ```ts
 * @McpTool({ name: 'rename_product', input: { id: z.number(), name: z.string() } })
 * rename(@McpArgs('id') id: number, @McpArgs(new ValidationPipe()) input: RenameProduct) { ... }
 * ```
 */
export function McpArgs(...pipes: Pipe[]): ParameterDecorator;
export function McpArgs(property: string, ...pipes: Pipe[]): ParameterDecorator;
export function McpArgs(propertyOrPipe?: string | Pipe, ...pipes: Pipe[]): ParameterDecorator {
  return mcpParam(McpParamtype.ARGUMENTS, propertyOrPipe, pipes);
}

/**
 * The caller's {@link McpPrincipal}, or one of its fields by name.
 *
 * @example
 * ```ts
 * @McpTool({ name: 'my_orders' })
 * myOrders(@McpPrincipal('sub') subject: string) { ... }
 * ```
 */
export function McpPrincipal(...pipes: Pipe[]): ParameterDecorator;
export function McpPrincipal(property: string, ...pipes: Pipe[]): ParameterDecorator;
export function McpPrincipal(propertyOrPipe?: string | Pipe, ...pipes: Pipe[]): ParameterDecorator {
  return mcpParam(McpParamtype.PRINCIPAL, propertyOrPipe, pipes);
}

/**
 * The whole call context: the {@link McpToolContext} a method without parameter
 * decorators receives as its last argument (principal, `authInfo`, signal, session, operation).
 *
 * @example
 * ```ts
 * @McpTool({ name: 'slow_report' })
 * report(@McpContext() { signal }: McpToolContext) { ... }
 * ```
 */
export function McpContext(): ParameterDecorator {
  return mcpParam(McpParamtype.CONTEXT);
}
