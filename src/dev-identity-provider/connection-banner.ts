import type { DevClient, DevUser } from './dev-identity-provider.js';

/**
 * The MCP Inspector release the banner's lines were checked against (docs/clients.md). Pinned: without a version,
 * npx on an older Node.js silently installs Inspector 0.15, which has no OAuth at all.
 */
export const INSPECTOR_PACKAGE = '@modelcontextprotocol/inspector@2.12.0';
/** The Node.js that Inspector 2.12 declares it needs (`engines`). */
export const INSPECTOR_NODE = '22.19';

/** What the first-run banner needs to know. */
export interface ConnectionBannerInput {
  /** The MCP endpoint, which is also the OAuth resource URL: the one URL a user copies. */
  readonly resourceUrl: string;
  /** The name clients list the server under. */
  readonly serverName: string;
  readonly stateless: boolean;
  /** What lists show (MCP_LISTING): with `granted`, clients that call only listed tools never meet a step-up. */
  readonly listing: 'granted' | 'all';
  readonly idp: {
    readonly issuer: string;
    readonly tokenEndpoint: string;
    readonly clients: readonly DevClient[];
    readonly users: readonly DevUser[];
    /** Where the provider keeps its signing key, as the user would type it (relative to the working directory). */
    readonly keyFile: string;
    /** Where it keeps clients, grants and refresh tokens: a file, or `:memory:`. */
    readonly databasePath: string;
    /** The client id the MCP Inspector's CLI uses (registered in advance: it steps up only with one). */
    readonly inspectorCliClientId: string;
  };
  /**
   * The directory of the Node.js 22 the example runs on when the `node` that started it is older
   * (`scripts/node22.mjs` falls back to the one npm installed). The Inspector lines then run on it too.
   */
  readonly node22BinDir?: string;
}

/**
 * The banner `npm start` prints with the embedded development provider: the one URL to
 * connect to, ready-to-paste lines for the common MCP clients (each logs a demo user in
 * through the browser), what each does on a step-up, and curl commands for client-credentials
 * tokens. Every line that says where to connect carries the resource URL exactly as the metadata's `resource`.
 */
export function connectionBanner({ resourceUrl: url, serverName, stateless, listing, idp, node22BinDir }: ConnectionBannerInput): string {
  const tokenCommand = (client: DevClient) =>
    `curl -s -u ${client.clientId}:${client.clientSecret} -d grant_type=client_credentials -d 'scope=${client.scopes.join(' ')}' -d resource=${url} ${idp.tokenEndpoint}`;
  const mcpHeaders = `-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25'`;
  const admin = idp.clients.find((client) => client.clientId === 'demo-admin') ?? idp.clients[idp.clients.length - 1];
  const vscode = JSON.stringify({ servers: { [serverName]: { type: 'http', url } } });
  // The Inspector runs on the user's own `node`; when that is older than the project's, on the project's Node.js 22.
  const npx = node22BinDir ? `PATH="${node22BinDir}:$PATH" npx -y ${INSPECTOR_PACKAGE}` : `npx -y ${INSPECTOR_PACKAGE}`;
  const inspectorCli = `${npx} --cli ${url} --transport http --client-id ${idp.inspectorCliClientId}`;
  const lines = [
    '',
    `MCP endpoint (connect here; also the OAuth resource URL): ${url}`,
    '',
    `Development identity provider: ${idp.issuer}`,
    `  Embedded oidc-provider. It keeps its URL (MCP_EXAMPLE_IDP_PORT, by default PORT+1), its signing key (${idp.keyFile})`,
    `  and its clients (${idp.databasePath === ':memory:' ? 'in memory' : idp.databasePath}) across restarts, so clients stay logged in; set MCP_AUTH_ISSUER to use your own.`,
    `  Sign in through the browser as ${idp.users.map((user) => `${user.sub} (${user.scopes.join(' ') || 'no scopes'})`).join(', ')}; no passwords.`,
    '  Clients register themselves (RFC 7591, or a client ID metadata document) and log in with authorization code + PKCE.',
    '',
    'Connect an MCP client (it opens the browser for the login and consent page):',
    `  MCP Inspector (UI):  ${npx} --transport http --server-url ${url}`,
    `  MCP Inspector (CLI): ${inspectorCli} --method tools/list`,
    node22BinDir
      ? `                       (the Inspector needs Node.js ${INSPECTOR_NODE} or later: these lines run it on this project's Node.js 22)`
      : `                       (the Inspector needs Node.js ${INSPECTOR_NODE} or later: check with node --version)`,
    `  Claude Code:         claude mcp add --transport http ${serverName} ${url}`,
    `  VS Code (.vscode/mcp.json): ${vscode}`,
    `  SDK client:          node scripts/connect-with-sdk.mjs ${url} whoami   (the code to copy: docs/clients.md)`,
    '',
    ...stepUpLines(url, listing, inspectorCli),
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
    'delete_product asks the user to confirm (a client that can show forms: elicitation); import_products reports progress (docs/clients.md).',
    '',
  );
  return lines.join('\n');
}

/** What each client does when a user who granted only `User.Read` calls `delete_product` (checked: docs/clients.md). */
function stepUpLines(url: string, listing: 'granted' | 'all', inspectorCli: string): string[] {
  const script = `  SDK script:          node scripts/connect-with-sdk.mjs ${url} delete_product '{"id":2}'   (opens the consent page again for Admin.Write)`;
  if (listing === 'granted') {
    return [
      'Step-up: MCP_LISTING=granted lists only what the caller may use, so clients that call only listed tools (the MCP Inspector,',
      '  most agents) never reach the 403 that starts it; the SDK script still does. Unset MCP_LISTING to list every tool.',
      script,
    ];
  }
  return [
    'Step-up: every tool is listed with the scopes it needs (MCP_LISTING=all). Sign in granting only User.Read, then call',
    'delete_product, which needs Admin.Write: the 403 sends the client back to the consent page for it.',
    '  Inspector UI:        Tools, delete_product, Execute Tool: "Additional permissions required", Authorize, the consent',
    '                       page, back in the Inspector ("Step-up authorization succeeded. Retry your action."): Execute Tool again.',
    `  Inspector CLI:       ${inspectorCli} --method tools/call --tool-name delete_product --tool-arg id=2`,
    '                       (answer y to "Proceed with step-up authorization?"; without --client-id Inspector 2.12 fails:',
    '                       "auth() returned AUTHORIZED without authorization code", an Inspector bug, docs/clients.md)',
    script,
  ];
}
