import { toGetPromptResult } from '../prompts/catalogue-prompt.js';
import { toReadResourceResult } from '../resources/catalogue-resource.js';
import { toCallToolResult } from '../tools/tool-result.js';
import { audioContent, embeddedResource, imageContent, isContentBlock, resourceLink } from './content-blocks.js';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47]);
const PNG_BASE64 = Buffer.from(PNG).toString('base64');

describe('content helpers', () => {
  it('make image and audio blocks from bytes, an ArrayBuffer or base64 text', () => {
    expect(imageContent(PNG, 'image/png')).toEqual({ type: 'image', data: PNG_BASE64, mimeType: 'image/png' });
    expect(imageContent(PNG.buffer, 'image/png').data).toBe(PNG_BASE64);
    expect(audioContent('UklGRg==', 'audio/wav', { annotations: { audience: ['user'] } })).toEqual({
      type: 'audio',
      data: 'UklGRg==',
      mimeType: 'audio/wav',
      annotations: { audience: ['user'] },
    });
  });

  it('encode only the bytes of a view, not the whole buffer behind it', () => {
    const buffer = Uint8Array.from([1, 2, 3, 4, 5]);
    expect(imageContent(buffer.subarray(1, 3), 'image/png').data).toBe(Buffer.from([2, 3]).toString('base64'));
  });

  it('embed a resource as text or as a base64 blob, with a default media type', () => {
    expect(embeddedResource('test://a', 'hello')).toEqual({
      type: 'resource',
      resource: { uri: 'test://a', mimeType: 'text/plain', text: 'hello' },
    });
    expect(embeddedResource('test://b', PNG, { mimeType: 'image/png' })).toEqual({
      type: 'resource',
      resource: { uri: 'test://b', mimeType: 'image/png', blob: PNG_BASE64 },
    });
    expect(embeddedResource('test://c', PNG).resource.mimeType).toBe('application/octet-stream');
  });

  it('link a resource by URI with its name and description', () => {
    expect(resourceLink('products://items/1', { name: 'Lamp', mimeType: 'application/json' })).toEqual({
      type: 'resource_link',
      uri: 'products://items/1',
      name: 'Lamp',
      mimeType: 'application/json',
    });
  });

  it('mark what they make, and leave the mark out of JSON', () => {
    const block = imageContent(PNG, 'image/png');
    expect(isContentBlock(block)).toBe(true);
    expect(isContentBlock({ type: 'image', data: PNG_BASE64, mimeType: 'image/png' })).toBe(false);
    expect(JSON.parse(JSON.stringify(block))).toEqual({ type: 'image', data: PNG_BASE64, mimeType: 'image/png' });
  });

  it.each([
    ['text that is not base64', () => imageContent('not base64!', 'image/png'), /imageContent: data must be bytes or base64 text/],
    ['a number as data', () => audioContent(42 as never, 'audio/wav'), /audioContent: data must be bytes or base64 text/],
    ['a missing media type', () => imageContent(PNG, undefined as never), /imageContent: mimeType must be a media type/],
    ['a relative URI', () => embeddedResource('items/1', 'x'), /embeddedResource: uri must be an absolute URI/],
    ['a link without a name', () => resourceLink('test://a', {} as never), /resourceLink: options.name is required/],
  ])('refuse %s with a TypeError naming the helper', (_name, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});

describe('content in results', () => {
  const image = imageContent(PNG, 'image/png');
  const link = resourceLink('products://items/1', { name: 'Lamp' });

  it('a tool returning a block, or a list of blocks and strings, sends them as its content', () => {
    expect(toCallToolResult(image)).toEqual({ content: [image] });
    expect(toCallToolResult(['Here is the chart', image, link])).toEqual({
      content: [{ type: 'text', text: 'Here is the chart' }, image, link],
    });
  });

  it('a tool returning look-alike plain objects or plain lists still sends JSON', () => {
    const lookAlike = { type: 'image', data: PNG_BASE64, mimeType: 'image/png' };
    expect(toCallToolResult(lookAlike)).toEqual({
      content: [{ type: 'text', text: JSON.stringify(lookAlike) }],
      structuredContent: lookAlike,
    });
    expect(toCallToolResult(['a', 'b'])).toEqual({ content: [{ type: 'text', text: '["a","b"]' }] });
    expect(toCallToolResult([image, 1]).content).toEqual([{ type: 'text', text: JSON.stringify([image, 1]) }]);
  });

  it('a prompt returning a block or a list of blocks, strings and messages sends one message each', () => {
    expect(toGetPromptResult(image, undefined)).toEqual({ messages: [{ role: 'user', content: image }] });
    const reply = { role: 'assistant' as const, content: { type: 'text' as const, text: 'Noted.' } };
    expect(toGetPromptResult([image, 'Describe the image above', reply], 'Describe').messages).toEqual([
      { role: 'user', content: image },
      { role: 'user', content: { type: 'text', text: 'Describe the image above' } },
      reply,
    ]);
  });

  it('a resource returning a block sends its contents: a blob of its type, or the embedded resource', () => {
    expect(toReadResourceResult(image, 'test://chart', undefined)).toEqual({
      contents: [{ uri: 'test://chart', mimeType: 'image/png', blob: PNG_BASE64 }],
    });
    expect(toReadResourceResult([embeddedResource('test://a', 'one'), embeddedResource('test://b', 'two')], 'test://a', undefined)).toEqual(
      {
        contents: [
          { uri: 'test://a', mimeType: 'text/plain', text: 'one' },
          { uri: 'test://b', mimeType: 'text/plain', text: 'two' },
        ],
      },
    );
  });

  it('a resource returning a link is a mistake the method’s author hears about', () => {
    expect(() => toReadResourceResult(link, 'test://a', undefined)).toThrow(/cannot return a resource_link block/);
  });
});
