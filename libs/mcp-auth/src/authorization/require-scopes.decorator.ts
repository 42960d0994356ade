import 'reflect-metadata';
import { MCP_SCOPES_METADATA } from '../mcp-auth.constants.js';
import type { ScopeRequirement } from './scope-requirement.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Requires OAuth scopes for every tool of a class, or for one tool method.
 *
 * - `@RequireScopes('User.Read', 'User.Write')`: all listed scopes.
 * - `@RequireScopes({ anyOf: ['User.Write', 'Admin.Write'] })`: at least one.
 *
 * Requirements on the class and on the method combine: a method can add to its
 * class's requirements but never drop them. Several decorators on one target combine too.
 *
 * @example
 * ```ts
 * @McpToolProvider()
 * @RequireScopes('Catalog.Access')
 * export class CatalogTools {
 *   @McpTool({ name: 'delete_product', input: { id: z.number() } })
 *   @RequireScopes('Admin.Write')
 *   deleteProduct({ id }: { id: number }) { ... }
 * }
 * ```
 */
export function RequireScopes(...scopes: [{ anyOf: string[] }] | [{ allOf: string[] }] | string[]): ClassDecorator & MethodDecorator {
  const requirement = toRequirement(scopes);
  return (target: object, key?: string | symbol) => {
    // Keyed by class and property, not by the function object: a decorator that wraps the
    // method (tracing, caching) replaces the function, and must not take the requirement with it.
    // A subclass (or an overriding method) starts from its base's requirements, so it can never drop them.
    const existing: ScopeRequirement[] =
      (key === undefined ? Reflect.getMetadata(MCP_SCOPES_METADATA, target) : Reflect.getMetadata(MCP_SCOPES_METADATA, target, key)) ?? [];
    if (key === undefined) Reflect.defineMetadata(MCP_SCOPES_METADATA, [...existing, requirement], target);
    else Reflect.defineMetadata(MCP_SCOPES_METADATA, [...existing, requirement], target, key);
  };
}

function toRequirement(args: readonly unknown[]): ScopeRequirement {
  if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null) {
    const spec = args[0] as { anyOf?: unknown; allOf?: unknown };
    if (Array.isArray(spec.anyOf)) return { anyOf: checkScopes(spec.anyOf) };
    if (Array.isArray(spec.allOf)) return { allOf: checkScopes(spec.allOf) };
    throw new TypeError('@RequireScopes({...}) takes { anyOf: string[] } or { allOf: string[] }');
  }
  return { allOf: checkScopes(args) };
}

function checkScopes(scopes: readonly unknown[]): string[] {
  if (scopes.length === 0) throw new TypeError('@RequireScopes needs at least one scope');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`@RequireScopes: ${JSON.stringify(scope)} is not a valid OAuth scope (RFC 6749 §3.3)`);
    }
  }
  return [...(scopes as string[])];
}

/**
 * Reads the requirements declared on a class (including its base classes), or with
 * `propertyKey` on one of its methods (`target` is then the prototype).
 */
export function declaredScopeRequirements(target: object, propertyKey?: string | symbol): ScopeRequirement[] {
  const declared: ScopeRequirement[] | undefined =
    propertyKey === undefined
      ? Reflect.getMetadata(MCP_SCOPES_METADATA, target)
      : Reflect.getMetadata(MCP_SCOPES_METADATA, target, propertyKey);
  return declared ?? [];
}
