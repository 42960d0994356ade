/**
 * `nestjs-mcp-auth/testing`: test your own tools with realistic tokens and the real MCP client.
 *
 * @example
 * ```ts
 * const idp = await startTestIdentityProvider({ shape: 'keycloak', realm: 'acme', audience: 'http://127.0.0.1:3999/mcp' });
 * // your module: McpAuthModule.forRoot({ resourceUrl: 'http://127.0.0.1:3999/mcp', issuers: [keycloak({ url: idp.url, realm: 'acme' })] })
 * const client = await connectMcpClient(app, await idp.token({ scope: 'User.Read' }));
 * expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['list_products']);
 * ```
 */
export { startTestIdentityProvider } from './test-identity-provider.js';
export type {
  TestIdentityProvider,
  TestIdentityProviderOptions,
  TestIdentityProviderShape,
  TestTokenOptions,
} from './test-identity-provider.js';
export { createTestSigningKey, importTestSigningKey } from './test-signing-key.js';
export type { TestSigningKey } from './test-signing-key.js';
export { connectMcpClient, connectModernMcpClient } from './mcp-test-client.js';
export type { McpModernTestClientOptions, McpTestClientOptions } from './mcp-test-client.js';
