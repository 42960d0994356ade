import type { DevClient, DevUser } from './dev-identity-provider.js';

/** What the first-run banner needs to know. */
export interface ConnectionBannerInput {
  /** The MCP endpoint, which is also the OAuth resource URL: the one URL a user copies. */
  readonly resourceUrl: string;
  /** The name clients list the server under. */
  readonly serverName: string;
  readonly stateless: boolean;
  readonly idp: {
    readonly issuer: string;
    readonly tokenEndpoint: string;
    readonly clients: readonly DevClient[];
    readonly users: readonly DevUser[];
  };
}

/**
 * The banner `npm start` prints with the embedded development provider: the one URL to
 * connect to, ready-to-paste lines for the common MCP clients (each logs a demo user in
 * through the browser), and curl commands for client-credentials tokens. Every line that
 * says where to connect carries the resource URL exactly as the metadata's `resource`.
 */
export function connectionBanner({ resourceUrl: url, serverName, stateless, idp }: ConnectionBannerInput): string {
  const tokenCommand = (client: DevClient) =>
    `curl -s -u ${client.clientId}:${client.clientSecret} -d grant_type=client_credentials -d 'scope=${client.scopes.join(' ')}' -d resource=${url} ${idp.tokenEndpoint}`;
  const mcpHeaders = `-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25'`;
  const admin = idp.clients.find((client) => client.clientId === 'demo-admin') ?? idp.clients[idp.clients.length - 1];
  const vscode = JSON.stringify({ servers: { [serverName]: { type: 'http', url } } });
  const lines = [
    '',
    `MCP endpoint (connect here; also the OAuth resource URL): ${url}`,
    '',
    `Development identity provider: ${idp.issuer}`,
    '  Embedded oidc-provider, in memory. MCP_EXAMPLE_IDP_PORT and MCP_EXAMPLE_IDP_KEY_FILE keep its URL and tokens across restarts;',
    '  set MCP_AUTH_ISSUER to use your own.',
    `  Sign in through the browser as ${idp.users.map((user) => `${user.sub} (${user.scopes.join(' ') || 'no scopes'})`).join(', ')}; no passwords.`,
    '  Clients register themselves (RFC 7591, or a client ID metadata document) and log in with authorization code + PKCE.',
    '',
    'Connect an MCP client (it opens the browser for the login and consent page):',
    `  MCP Inspector (UI):  npx @modelcontextprotocol/inspector --transport http --server-url ${url}`,
    `  MCP Inspector (CLI): npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
    `  Claude Code:         claude mcp add --transport http ${serverName} ${url}`,
    `  VS Code (.vscode/mcp.json): ${vscode}`,
    `  SDK client:          node scripts/connect-with-sdk.mjs ${url} whoami   (the code to copy: docs/clients.md)`,
    '',
    'Without a browser: client-credentials tokens for the demo roles:',
    ...idp.clients.map((client) => `  ${tokenCommand(client)}`),
    '',
    `Call a tool as ${admin.clientId}:`,
    `  TOKEN=$(${tokenCommand(admin)} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
  ];
  if (stateless) {
    lines.push(
      `  curl -s ${url} ${mcpHeaders} -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'`,
    );
  } else {
    lines.push(
      `  SESSION=$(curl -s -D - -o /dev/null ${url} ${mcpHeaders} -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}' | tr -d '\\r')`,
      `  curl -s ${url} ${mcpHeaders} -H "Mcp-Session-Id: $SESSION" -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'`,
    );
  }
  lines.push(
    '',
    'Step-up: a user who granted only User.Read and calls delete_product is sent back to the consent page for Admin.Write (docs/clients.md).',
    'delete_product then asks the user to confirm (a client that can show forms: elicitation); import_products reports progress (docs/clients.md).',
    '',
  );
  return lines.join('\n');
}
