import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { JSON_SCHEMA_2020_12, checkAgainst, toObjectSchema, toolJsonSchema } from './tool-schemas.js';

describe('tool schemas', () => {
  it('accepts a zod shape or a z.object, and no declaration as an object without properties', () => {
    const shape = { id: z.number() };
    expect(checkAgainst(toObjectSchema(shape, 'input'), { id: 1 })).toEqual({ ok: true, value: { id: 1 } });
    const object = z.object(shape);
    expect(toObjectSchema(object, 'output')).toBe(object);
    expect(toolJsonSchema(toObjectSchema(undefined, 'input'), 'input')).toEqual({
      $schema: JSON_SCHEMA_2020_12,
      type: 'object',
      properties: {},
    });
  });

  it('refuses a JSON Schema (or anything but zod) with a message naming the option', () => {
    expect(() => toObjectSchema({ type: 'object', properties: {} } as never, 'output')).toThrow(
      'output must be a zod shape ({ id: z.number() }), a z.object(...) or a Standard Schema with JSON Schema (Valibot, ArkType), not a JSON Schema or other value',
    );
    expect(() => toObjectSchema('id' as never, 'input')).toThrow(/^input must be a zod shape/);
    // A prompt's arguments are read as input, and named as the decorator names them.
    expect(() => toObjectSchema('id' as never, 'input', 'args')).toThrow(/^args must be a zod shape/);
  });

  it('publishes JSON Schema 2020-12: the dialect named, tuples as prefixItems (not draft-07 items arrays)', () => {
    const schema = toolJsonSchema(z.object({ pair: z.tuple([z.string(), z.number()]) }), 'output');
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties).toEqual({
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false, minItems: 2, maxItems: 2 },
    });
    expect(JSON.stringify(schema)).not.toContain('additionalItems');
  });

  it('describes what the method accepts (input) and what it returns (output)', () => {
    const withDefault = z.object({ limit: z.number().default(10) });
    expect(toolJsonSchema(withDefault, 'input').required).toBeUndefined();
    expect(toolJsonSchema(withDefault, 'output').required).toEqual(['limit']);
  });

  it('turns what JSON Schema cannot express into an unconstrained schema instead of failing at startup', () => {
    const schema = toolJsonSchema(z.object({ when: z.date() }), 'output');
    expect(schema.properties).toEqual({ when: {} });
  });
});

describe('Standard Schema libraries (Valibot, ArkType)', () => {
  const valibot = toStandardJsonSchema(v.object({ name: v.pipe(v.string(), v.minLength(2)), times: v.optional(v.number()) }));

  it('takes a Valibot schema converted with toStandardJsonSchema, publishing JSON Schema 2020-12', async () => {
    const schema = toObjectSchema(valibot, 'input');
    expect(schema).toBe(valibot);
    expect(toolJsonSchema(schema, 'input')).toMatchObject({
      $schema: JSON_SCHEMA_2020_12,
      type: 'object',
      properties: { name: { type: 'string', minLength: 2 }, times: { type: 'number' } },
      required: ['name'],
    });
    expect(await checkAgainst(schema, { name: 'Ada' })).toEqual({ ok: true, value: { name: 'Ada' } });
    expect(await checkAgainst(schema, { name: 'A' })).toEqual({ ok: false, issues: 'name: Invalid length: Expected >=2 but received 1' });
  });

  it('takes an ArkType type', async () => {
    const schema = toObjectSchema(type({ id: 'number.integer' }), 'output');
    expect(toolJsonSchema(schema, 'output')).toMatchObject({ type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] });
    expect(await checkAgainst(schema, { id: 1 })).toEqual({ ok: true, value: { id: 1 } });
    expect(await checkAgainst(schema, { id: 'one' })).toMatchObject({ ok: false, issues: expect.stringMatching(/^id: /) });
  });

  it('refuses a schema that cannot describe itself as JSON Schema (plain Valibot), saying how to convert it', () => {
    expect(() => toObjectSchema(v.object({ name: v.string() }) as never, 'input')).toThrow(
      'input: this valibot schema cannot describe itself as JSON Schema (no ~standard.jsonSchema); ' +
        'with Valibot, wrap it in toStandardJsonSchema() from @valibot/to-json-schema',
    );
  });

  it('refuses a schema of something other than an object, of any library', () => {
    expect(() => toolJsonSchema(toObjectSchema(type('string') as never, 'input'), 'input')).toThrow(
      'input must describe an object (its JSON Schema has type "string")',
    );
    expect(() => toolJsonSchema(toObjectSchema(type('string') as never, 'input'), 'input', 'args')).toThrow(
      /^args must describe an object/,
    );
    expect(() => toObjectSchema(z.string() as never, 'input')).toThrow(/^input must be a zod shape/);
  });
});
