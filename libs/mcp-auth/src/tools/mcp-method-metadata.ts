import type { Icon } from '@modelcontextprotocol/server';

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

/** What every listing shows about an entry: its name, and the title, description and icons it declares. */
export interface ListingFields {
  name: string;
  title?: string;
  description?: string;
  icons?: Icon[];
}

/** The `name`, `title`, `description` and `icons` every listing shows, without empty fields. */
export function listingFields(options: ListingFields): ListingFields {
  return {
    name: options.name,
    ...(options.title ? { title: options.title } : {}),
    ...(options.description ? { description: options.description } : {}),
    ...(options.icons?.length ? { icons: options.icons.map((icon) => ({ ...icon })) } : {}),
  };
}

/**
 * Throws a `TypeError` naming the decorator when `icons` is not a list of MCP icons whose
 * `src` is an `https:` or `data:` URI: clients must refuse any other scheme (MCP `icons`),
 * so an icon that would never be shown is a mistake worth reporting at startup.
 */
export function checkIcons(decorator: string, icons: unknown): void {
  if (icons === undefined) return;
  if (!Array.isArray(icons)) throw new TypeError(`${decorator}: icons must be a list of { src, mimeType?, sizes?, theme? }`);
  for (const icon of icons as Array<Partial<Record<keyof Icon, unknown>> | null>) {
    const src = typeof icon?.src === 'string' ? icon.src : '';
    if (!/^(https:\/\/[^\s]+|data:[^\s]+)$/i.test(src) || !URL.canParse(src)) {
      throw new TypeError(`${decorator}: icon src ${JSON.stringify(icon?.src)} must be an https: or data: URI`);
    }
    if (icon!.mimeType !== undefined && typeof icon!.mimeType !== 'string')
      throw new TypeError(`${decorator}: icon mimeType must be a string`);
    if (icon!.sizes !== undefined && !(Array.isArray(icon!.sizes) && icon!.sizes.every((size) => typeof size === 'string'))) {
      throw new TypeError(`${decorator}: icon sizes must be a list of strings such as "48x48" or "any"`);
    }
    if (icon!.theme !== undefined && icon!.theme !== 'light' && icon!.theme !== 'dark') {
      throw new TypeError(`${decorator}: icon theme must be "light" or "dark"`);
    }
  }
}
