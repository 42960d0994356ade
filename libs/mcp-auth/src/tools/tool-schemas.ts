import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ZodObject, ZodRawShape } from 'zod';

/** The JSON Schema dialect of every tool schema we publish (MCP's default since SEP-1613, required by SDK v2 clients). */
export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * A tool's arguments or result as declared: a zod shape (`{ id: z.number() }`), a
 * `z.object(...)`, or any other Standard Schema that converts itself to JSON Schema
 * (`~standard.jsonSchema`), as the MCP SDK v2 takes them: Valibot's through
 * `toStandardJsonSchema(v.object(...))` (`@valibot/to-json-schema`), ArkType's `type({ ... })`.
 */
export type ToolSchema = ZodRawShape | ZodObject | StandardSchemaWithJSON;

/** A declared schema as the catalogue keeps it: a zod object, or a Standard Schema with JSON Schema. */
export type ObjectSchema = ZodObject | StandardSchemaWithJSON;

/** The outcome of checking a value against a declared schema: the parsed value, or what is wrong in one line. */
export type Checked = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly issues: string };

/** One problem a schema library reports: zod's and Standard Schema's issues both fit. */
interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/**
 * The declared schema as the catalogue keeps it (no declaration: an object without
 * properties). Throws a `TypeError` naming `label` (the option, unless told) for anything
 * else, such as a JSON Schema object, a zod schema of something other than an object, or a
 * Standard Schema that cannot describe itself as JSON Schema (clients need the schema in `tools/list`).
 */
export function toObjectSchema(schema: ToolSchema | undefined, option: 'input' | 'output', label: string = option): ObjectSchema {
  if (schema === undefined) return z.object({});
  if (schema instanceof z.ZodObject) return schema;
  if (isZodShape(schema)) return z.object(schema);
  const standard = (schema as Partial<StandardSchemaWithJSON>)['~standard'];
  if (typeof standard?.validate === 'function' && !(schema instanceof z.ZodType)) {
    if (typeof standard.jsonSchema?.[option] !== 'function') {
      throw new TypeError(
        `${label}: this ${standard.vendor} schema cannot describe itself as JSON Schema (no ~standard.jsonSchema); ` +
          'with Valibot, wrap it in toStandardJsonSchema() from @valibot/to-json-schema',
      );
    }
    return schema as StandardSchemaWithJSON;
  }
  throw new TypeError(
    `${label} must be a zod shape ({ id: z.number() }), a z.object(...) or a Standard Schema with JSON Schema (Valibot, ArkType), ` +
      'not a JSON Schema or other value',
  );
}

/**
 * A tool's `inputSchema` (what the method accepts) or `outputSchema` (what it returns) in
 * JSON Schema 2020-12, on both protocol eras. `$schema` names the dialect explicitly:
 * 2020-12 clients (SDK v2) read it, and the 2025-era SDK's validator ignores it. With zod,
 * constructs JSON Schema cannot express (transforms, dates) become `{}`, never a startup
 * error; another library's conversion may refuse them (a startup error naming the tool).
 * Throws a `TypeError` naming `label` (`io`, unless told) when the schema does not describe an object.
 */
export function toolJsonSchema(
  schema: ObjectSchema,
  io: 'input' | 'output',
  label: string = io,
): { type: 'object'; [key: string]: unknown } {
  const json =
    schema instanceof z.ZodObject
      ? (z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>)
      : schema['~standard'].jsonSchema[io]({ target: 'draft-2020-12' });
  if (json.type !== undefined && json.type !== 'object') {
    throw new TypeError(`${label} must describe an object (its JSON Schema has type ${JSON.stringify(json.type)})`);
  }
  return { ...json, $schema: JSON_SCHEMA_2020_12, type: 'object' };
}

/**
 * Checks `value` against a declared schema. Synchronous with zod (the common case pays no
 * promise); a Standard Schema may validate asynchronously.
 */
export function checkAgainst(schema: ObjectSchema, value: unknown): Checked | Promise<Checked> {
  if (schema instanceof z.ZodObject) {
    const parsed = schema.safeParse(value);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: describeIssues(parsed.error.issues) };
  }
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then(toChecked) : toChecked(result);
}

/** A schema library's issues as one line: `price: Expected number; (root): ...`. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues
    .map(
      (issue) =>
        `${(issue.path ?? []).map((key) => String(typeof key === 'object' ? key.key : key)).join('.') || '(root)'}: ${issue.message}`,
    )
    .join('; ');
}

function toChecked(result: { value?: unknown; issues?: readonly SchemaIssue[] }): Checked {
  if (result.issues && result.issues.length > 0) return { ok: false, issues: describeIssues(result.issues) };
  return { ok: true, value: result.value as Record<string, unknown> };
}

function isZodShape(schema: unknown): schema is ZodRawShape {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    !Array.isArray(schema) &&
    !('~standard' in schema) &&
    Object.values(schema).every((field) => field instanceof z.ZodType)
  );
}
