import { z } from 'zod';
import { toCallToolResult, toStructuredToolResult } from './tool-result.js';

const product = z.object({ id: z.number().int(), name: z.string() });

describe('toStructuredToolResult (a tool with an output schema)', () => {
  it('sends a matching value as structuredContent and as JSON text', () => {
    expect(toStructuredToolResult({ id: 1, name: 'Tea' }, product, 'get_product')).toEqual({
      content: [{ type: 'text', text: '{"id":1,"name":"Tea"}' }],
      structuredContent: { id: 1, name: 'Tea' },
    });
  });

  it('sends what the schema declares: properties it does not declare are left out of both', () => {
    const result = toStructuredToolResult({ id: 1, name: 'Tea', secret: 'x' }, product, 'get_product');
    expect(result.structuredContent).toEqual({ id: 1, name: 'Tea' });
    expect(JSON.stringify(result.content)).not.toContain('secret');
  });

  it('answers a value that does not match with a tool error naming the tool and the mismatch', () => {
    const result = toStructuredToolResult({ id: 'one', name: 'Tea' }, product, 'get_product');
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^Tool get_product returned a result that does not match its output schema: id: /) },
    ]);
  });

  it('answers a missing value (undefined, a string) as a mismatch too', () => {
    expect(toStructuredToolResult(undefined, product, 'get_product').isError).toBe(true);
    expect(toStructuredToolResult('done', product, 'get_product').isError).toBe(true);
  });

  it('checks the structuredContent of a full CallToolResult, keeping its own content', () => {
    const content = [{ type: 'text' as const, text: 'Tea (1)' }];
    expect(toStructuredToolResult({ content, structuredContent: { id: 1, name: 'Tea' } }, product, 'get_product')).toEqual({
      content,
      structuredContent: { id: 1, name: 'Tea' },
    });
    expect(toStructuredToolResult({ content }, product, 'get_product').isError).toBe(true);
  });

  it('passes a tool error result through unchecked', () => {
    const failure = { isError: true, content: [{ type: 'text' as const, text: 'Out of stock' }] };
    expect(toStructuredToolResult(failure, product, 'get_product')).toBe(failure);
  });
});

describe('toCallToolResult (no output schema)', () => {
  it('keeps today’s conversions: text, JSON text with structuredContent for objects, results unchanged', () => {
    expect(toCallToolResult('hi')).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    expect(toCallToolResult({ a: 1 })).toEqual({ content: [{ type: 'text', text: '{"a":1}' }], structuredContent: { a: 1 } });
    expect(toCallToolResult([1])).toEqual({ content: [{ type: 'text', text: '[1]' }] });
  });
});
