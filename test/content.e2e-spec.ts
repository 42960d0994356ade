import {
  McpPrompt,
  McpProvider,
  McpResource,
  McpTool,
  RequireScopes,
  audioContent,
  embeddedResource,
  imageContent,
  resourceLink,
} from 'nestjs-mcp-auth';
import { ERAS, connectEra } from './support/era-clients.js';
import type { EraClient } from './support/era-clients.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';

/** A 1×1 PNG and a tiny WAV, as the conformance suite's fixtures send them. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const PNG = Buffer.from(PNG_BASE64, 'base64');
const WAV_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const ICON = { src: 'https://example.com/chart.png', mimeType: 'image/png', sizes: ['48x48'] };
const DARK_ICON = { src: 'data:image/svg+xml;base64,PHN2Zy8+', mimeType: 'image/svg+xml', theme: 'dark' as const };

/** Methods that answer with images, audio, embedded resources and links, made with the library's helpers. */
@McpProvider()
@RequireScopes('User.Read')
class RichContent {
  @McpTool({ name: 'sales_chart', title: 'Sales chart', description: 'This month’s sales', icons: [ICON, DARK_ICON] })
  chart() {
    return imageContent(PNG, 'image/png');
  }

  @McpTool({ name: 'recording', description: 'A recording with a caption' })
  recording() {
    return ['Recorded 1 s', audioContent(WAV_BASE64, 'audio/wav', { annotations: { audience: ['user'] } })];
  }

  @McpTool({ name: 'product_file', description: 'A product as an embedded resource' })
  productFile() {
    return embeddedResource('products://items/1', JSON.stringify({ id: 1, name: 'Keyboard' }), { mimeType: 'application/json' });
  }

  @McpTool({ name: 'product_link', description: 'A link to a product' })
  productLink() {
    return resourceLink('products://items/1', { name: 'Keyboard', title: 'The keyboard', mimeType: 'application/json' });
  }

  @McpPrompt({ name: 'describe_chart', title: 'Describe the chart', description: 'An image and a question', icons: [ICON] })
  describeChart() {
    return [imageContent(PNG, 'image/png'), 'Describe the chart above'];
  }

  @McpResource({ uri: 'charts://sales', name: 'sales-chart', title: 'Sales chart', description: 'The chart as a PNG', icons: [ICON] })
  salesChart() {
    return imageContent(PNG, 'image/png');
  }

  @McpResource({ uriTemplate: 'charts://{month}', name: 'monthly-chart', title: 'Monthly chart', icons: [DARK_ICON] })
  monthlyChart(uri: URL) {
    return [embeddedResource(uri.href, PNG, { mimeType: 'image/png' }), embeddedResource(`${uri.href}/caption`, 'Caption')];
  }
}

/** Rich content and title/icons, through the real SDK clients of both eras. */
describe.each(ERAS)('content helpers and icons (%s era)', (era) => {
  let app: LibraryApp;
  let client: EraClient;

  beforeAll(async () => {
    app = await startLibraryApp({}, [RichContent]);
    client = await connectEra(era, app.resourceUrl, await app.token('demo-reader'));
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
  });

  it('sends an image a tool returns as image content', async () => {
    expect((await client.callTool({ name: 'sales_chart', arguments: {} })).content).toEqual([
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    ]);
  });

  it('sends a list of text and audio as both blocks, annotations kept', async () => {
    expect((await client.callTool({ name: 'recording', arguments: {} })).content).toEqual([
      { type: 'text', text: 'Recorded 1 s' },
      { type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav', annotations: { audience: ['user'] } },
    ]);
  });

  it('sends an embedded resource and a resource link', async () => {
    expect((await client.callTool({ name: 'product_file', arguments: {} })).content).toEqual([
      { type: 'resource', resource: { uri: 'products://items/1', mimeType: 'application/json', text: '{"id":1,"name":"Keyboard"}' } },
    ]);
    expect((await client.callTool({ name: 'product_link', arguments: {} })).content).toEqual([
      { type: 'resource_link', uri: 'products://items/1', name: 'Keyboard', title: 'The keyboard', mimeType: 'application/json' },
    ]);
  });

  it('sends a prompt’s image and text as two user messages', async () => {
    expect((await client.getPrompt({ name: 'describe_chart' })).messages).toEqual([
      { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Describe the chart above' } },
    ]);
  });

  it('reads a resource’s image as a blob of its type, and embedded resources as their contents', async () => {
    expect((await client.readResource({ uri: 'charts://sales' })).contents).toEqual([
      { uri: 'charts://sales', mimeType: 'image/png', blob: PNG_BASE64 },
    ]);
    expect((await client.readResource({ uri: 'charts://2026-07' })).contents).toEqual([
      { uri: 'charts://2026-07', mimeType: 'image/png', blob: PNG_BASE64 },
      { uri: 'charts://2026-07/caption', mimeType: 'text/plain', text: 'Caption' },
    ]);
  });

  it('lists the title and icons each tool, prompt, resource and template declares', async () => {
    const { tools } = await client.listTools();
    expect(tools.find((tool) => tool.name === 'sales_chart')).toMatchObject({ title: 'Sales chart', icons: [ICON, DARK_ICON] });
    expect(tools.find((tool) => tool.name === 'recording')).not.toHaveProperty('icons');
    expect((await client.listPrompts()).prompts.find((prompt) => prompt.name === 'describe_chart')).toMatchObject({
      title: 'Describe the chart',
      icons: [ICON],
    });
    expect((await client.listResources()).resources.find((resource) => resource.uri === 'charts://sales')).toMatchObject({
      title: 'Sales chart',
      icons: [ICON],
    });
    expect(
      (await client.listResourceTemplates()).resourceTemplates.find((template) => template.uriTemplate === 'charts://{month}'),
    ).toMatchObject({ title: 'Monthly chart', icons: [DARK_ICON] });
  });
});
