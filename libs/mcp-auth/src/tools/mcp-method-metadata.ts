/** Names of tools and prompts: letters, digits, `_`, `-`, `.`, 1 to 128 characters. */
export const MCP_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The shared body of `@McpTool()`, `@McpResource()` and `@McpPrompt()`: records the
 * options on the class's property (not on the function object), where the catalogue
 * finds them at startup: a decorator that wraps the method (tracing, caching) replaces
 * the function, never the property.
 */
export function methodMetadata(key: string, options: object): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    Reflect.defineMetadata(key, options, target, propertyKey);
    return descriptor;
  };
}

/** Throws a `TypeError` naming the decorator when `name` is not a valid MCP name. */
export function checkMcpName(decorator: string, options: { name?: unknown } | undefined): void {
  if (!options || typeof options.name !== 'string' || !MCP_NAME.test(options.name)) {
    throw new TypeError(`${decorator}: name ${JSON.stringify(options?.name)} must match ${MCP_NAME}`);
  }
}

/** The `name`, `title` and `description` every listing shows, without empty fields. */
export function listingFields(options: { name: string; title?: string; description?: string }): {
  name: string;
  title?: string;
  description?: string;
} {
  return {
    name: options.name,
    ...(options.title ? { title: options.title } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}
