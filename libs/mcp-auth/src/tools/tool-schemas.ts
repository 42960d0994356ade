import { z } from 'zod';
import type { ZodObject, ZodRawShape } from 'zod';

/** The JSON Schema dialect of every tool schema we publish (MCP's default since SEP-1613, required by SDK v2 clients). */
export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** A tool's arguments or result as declared: a zod shape (`{ id: z.number() }`) or a `z.object(...)`. */
export type ToolSchema = ZodRawShape | ZodObject;

/**
 * The declared schema as a `z.object` (no declaration: an object without properties).
 * Throws a `TypeError` naming `option` for anything else, such as a JSON Schema object.
 */
export function toZodObject(schema: ToolSchema | undefined, option: 'input' | 'output'): ZodObject {
  if (schema === undefined) return z.object({});
  if (schema instanceof z.ZodObject) return schema;
  const isShape =
    typeof schema === 'object' &&
    schema !== null &&
    !Array.isArray(schema) &&
    Object.values(schema).every((field) => field instanceof z.ZodType);
  if (!isShape)
    throw new TypeError(`${option} must be a zod shape ({ id: z.number() }) or a z.object(...), not a JSON Schema or other value`);
  return z.object(schema);
}

/**
 * A tool's `inputSchema` (what the method accepts) or `outputSchema` (what it returns) in
 * JSON Schema 2020-12, on both protocol eras. `$schema` names the dialect explicitly:
 * 2020-12 clients (SDK v2) read it, and the 2025-era SDK's validator ignores it.
 * Constructs JSON Schema cannot express (transforms, dates) become `{}`, never a startup error.
 */
export function toolJsonSchema(schema: ZodObject, io: 'input' | 'output'): { type: 'object'; [key: string]: unknown } {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...json, $schema: JSON_SCHEMA_2020_12, type: 'object' };
}
