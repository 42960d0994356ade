import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { describeOnPlatforms } from './support/platforms.js';

describeOnPlatforms('response modes', (platform) => {
  /**
   * Tool calls are answered as JSON (`jsonResponse: true`, the default; the module's own
   * direct path) or as server-sent events (`jsonResponse: false`; the SDK transport),
   * with and without sessions. The SDK client works with every combination, and the
   * wire shows which one answered.
   */
  describe.each([
    { jsonResponse: true, stateless: true, contentType: 'application/json' },
    { jsonResponse: true, stateless: false, contentType: 'application/json' },
    { jsonResponse: false, stateless: true, contentType: 'text/event-stream' },
    { jsonResponse: false, stateless: false, contentType: 'text/event-stream' },
  ])('jsonResponse $jsonResponse, stateless $stateless', ({ jsonResponse, stateless, contentType }) => {
    let app: LibraryApp;
    let client: Client | undefined;

    beforeAll(async () => {
      app = await startLibraryApp({ jsonResponse, stateless }, [], platform);
    });
    afterAll(async () => {
      await client?.close();
      await app?.close();
    });

    it('serves the SDK client: list, call, and a refused call', async () => {
      client = await connectMcpClient(app.resourceUrl, await app.token('demo-reader'));
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['list_products', 'whoami']);
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toEqual({ sub: 'demo-reader', clientId: 'demo-reader', scopes: ['User.Read'] });
      await expect(client.callTool({ name: 'delete_product', arguments: { id: 1 } })).rejects.toThrow(/403|insufficient_scope|Forbidden/i);
    });

    it(`answers a tool call with ${contentType}, with the session id when there is a session`, async () => {
      const token = await app.token('demo-reader');
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      };
      if (!stateless) {
        const opened = await fetch(app.resourceUrl, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 0,
            method: 'initialize',
            params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } },
          }),
        });
        await opened.text();
        headers['mcp-session-id'] = opened.headers.get('mcp-session-id')!;
      }
      const response = await fetch(app.resourceUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
      });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(contentType);
      expect(response.headers.get('mcp-session-id')).toBe(stateless ? null : headers['mcp-session-id']);
      const json = contentType === 'application/json' ? text : /^data: (.*)$/m.exec(text)?.[1];
      const identity = { sub: 'demo-reader', clientId: 'demo-reader', scopes: ['User.Read'] };
      expect(JSON.parse(json!)).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: JSON.stringify(identity) }], structuredContent: identity },
      });
    });
  });
});
