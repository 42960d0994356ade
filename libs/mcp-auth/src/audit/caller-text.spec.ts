import { MAX_CALLER_TEXT, boundedCallerText } from './caller-text.js';

describe('boundedCallerText', () => {
  it('leaves text up to the bound as it is', () => {
    expect(boundedCallerText('list_products')).toBe('list_products');
    expect(boundedCallerText('x'.repeat(MAX_CALLER_TEXT))).toBe('x'.repeat(MAX_CALLER_TEXT));
  });

  it('cuts longer text to the bound and marks the cut', () => {
    expect(boundedCallerText('x'.repeat(200_000))).toBe(`${'x'.repeat(MAX_CALLER_TEXT)}…`);
  });

  it('never leaves half of a surrogate pair at the cut', () => {
    const text = `${'x'.repeat(MAX_CALLER_TEXT - 1)}😀${'y'.repeat(10)}`;
    expect(boundedCallerText(text)).toBe(`${'x'.repeat(MAX_CALLER_TEXT - 1)}…`);
  });
});
