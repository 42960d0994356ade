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
