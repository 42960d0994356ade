import { McpPrompt } from '../prompts/mcp-prompt.decorator.js';
import { McpResource } from '../resources/mcp-resource.decorator.js';
import { McpTool } from './mcp-tool.decorator.js';
import { listingFields } from './mcp-method-metadata.js';

describe('title and icons', () => {
  const icon = { src: 'https://example.com/icon.png', mimeType: 'image/png', sizes: ['48x48'], theme: 'light' as const };

  it('listings show the title, description and icons an entry declares, and nothing empty', () => {
    expect(listingFields({ name: 'a', title: 'A', description: 'about a', icons: [icon] })).toEqual({
      name: 'a',
      title: 'A',
      description: 'about a',
      icons: [icon],
    });
    expect(listingFields({ name: 'a', title: '', icons: [] })).toEqual({ name: 'a' });
  });

  it('the decorators accept https: and data: icons', () => {
    expect(() => McpTool({ name: 't', icons: [icon, { src: 'data:image/svg+xml;base64,PHN2Zy8+' }] })).not.toThrow();
    expect(() => McpPrompt({ name: 'p', icons: [icon] })).not.toThrow();
    expect(() => McpResource({ uri: 'test://r', name: 'r', icons: [icon] })).not.toThrow();
  });

  it.each([
    ['an http: icon', [{ src: 'http://example.com/icon.png' }], /icon src "http:\/\/example.com\/icon.png" must be an https: or data: URI/],
    ['a javascript: icon', [{ src: 'javascript:alert(1)' }], /must be an https: or data: URI/],
    ['a relative icon', [{ src: '/icon.png' }], /must be an https: or data: URI/],
    ['an icon without src', [{ mimeType: 'image/png' }], /icon src undefined must be an https: or data: URI/],
    ['icons that are not a list', { src: 'https://example.com/i.png' }, /icons must be a list/],
    ['an unknown theme', [{ src: 'https://example.com/i.png', theme: 'blue' }], /icon theme must be "light" or "dark"/],
    ['sizes that are not strings', [{ src: 'https://example.com/i.png', sizes: [48] }], /icon sizes must be a list of strings/],
  ])('refuse %s when the class is declared, naming the decorator', (_name, icons, message) => {
    expect(() => McpTool({ name: 't', icons: icons as never })).toThrow(new RegExp(`^@McpTool: .*${message.source}`));
    expect(() => McpPrompt({ name: 'p', icons: icons as never })).toThrow(/^@McpPrompt: /);
    expect(() => McpResource({ uri: 'test://r', name: 'r', icons: icons as never })).toThrow(/^@McpResource: /);
  });
});
