#!/usr/bin/env node
// Connects the MCP SDK client (v2, @modelcontextprotocol/client) to an OAuth-protected MCP server the way an
// interactive client does, and calls one tool:
//
//   node scripts/connect-with-sdk.mjs http://127.0.0.1:3000/mcp [tool] [JSON arguments]
//
// The 401 leads it to the server's metadata and the identity provider; it registers itself (or, with
// MCP_CLIENT_METADATA_URL, presents that client ID metadata document), prints the authorization URL to open in
// a browser, receives the response on a loopback redirect URI (RFC 8252), and calls the tool. A 403
// insufficient_scope sends it back to the browser for the added scope (step-up). A tool that asks the user
// (delete_product's confirmation) gets its form asked on this terminal, field by field; without a terminal
// (stdin not a TTY) MCP_ELICITATION=accept answers every question with the form's defaults, anything else
// declines. The tool's result goes to stdout as JSON; everything else to stderr. Nothing is stored: every run
// logs in again. A failure ends the run with one line on stderr (exit code 1): a step-up the signed-in user
// cannot get (the consent page never grants a scope the user may not hold) is explained rather than tried again.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline/promises';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';

/** Ends the run with one line on stderr, no stack trace. */
class Stop extends Error {}

const [serverUrl = 'http://127.0.0.1:3000/mcp', tool = 'whoami', rawArguments = '{}'] = process.argv.slice(2);
let toolArguments;
try {
  toolArguments = JSON.parse(rawArguments);
} catch {
  console.error(`The tool arguments must be a JSON object, like '{"id":2}' (got ${rawArguments})`);
  process.exit(1);
}

// The loopback redirect URI: any free port, the browser brings the authorization response here.
const callbacks = createServer();
await new Promise((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
const redirectUrl = `http://127.0.0.1:${callbacks.address().port}/callback`;
let authorizationResponse;
function nextAuthorizationResponse() {
  return new Promise((resolve) => {
    const onRequest = (req, res) => {
      const url = new URL(req.url ?? '/', redirectUrl);
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in; you may close this window.\n');
      callbacks.off('request', onRequest);
      resolve(url.searchParams);
    };
    callbacks.on('request', onRequest);
  });
}

const saved = {};
/** Logins made for a step-up; after one, a call that still needs more scope is explained, not retried. */
let stepUps = 0;
/** Why the run stopped, when it stopped on purpose (the SDK may wrap the error thrown to stop it). */
let stopped;
/** @type {import('@modelcontextprotocol/client').OAuthClientProvider} */
const authProvider = {
  redirectUrl,
  clientMetadataUrl: process.env.MCP_CLIENT_METADATA_URL || undefined,
  clientMetadata: {
    client_name: 'nestjs-mcp-auth example script',
    redirect_uris: [redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  clientInformation: () => saved.client,
  saveClientInformation: (client) => void (saved.client = client),
  tokens: () => saved.tokens,
  saveTokens: (tokens) => void (saved.tokens = tokens),
  saveCodeVerifier: (verifier) => void (saved.verifier = verifier),
  codeVerifier: () => saved.verifier,
  // Kept with the verifier, so the SDK can check the code is redeemed at the server that issued it (SEP-2352).
  saveDiscoveryState: (state) => void (saved.discovery = state),
  discoveryState: () => saved.discovery,
  redirectToAuthorization: (url) => {
    if (stepUps > 0) {
      // The step-up login did not get the scope (the user may not hold it): another consent page cannot grant it.
      const { user, missing } = grantOutcome((url.searchParams.get('scope') ?? '').split(' '));
      stopped =
        `${tool} needs ${missing.join(' ') || 'more scope'}, which ${user ?? 'the signed-in user'} was not granted: ` +
        'run this again and, on the consent page, pick a user who may hold it.';
      throw new Stop(stopped);
    }
    authorizationResponse = nextAuthorizationResponse();
    console.error(`Open this URL in your browser to sign in:\n${url}`);
  },
};

/** Who the access token names, and which of `requested` it was not granted (a JWT's claims, read without verifying: they are ours). */
function grantOutcome(requested) {
  let claims = {};
  try {
    claims = JSON.parse(Buffer.from(saved.tokens.access_token.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    // An opaque token: the token response's scope still says what was granted.
  }
  const granted = new Set((saved.tokens.scope ?? claims.scope ?? '').split(' ').filter(Boolean));
  return { user: claims.sub, missing: requested.filter((scope) => scope && scope !== 'offline_access' && !granted.has(scope)) };
}

/** Plays the user for a form a tool shows (elicitation): on the terminal, or as MCP_ELICITATION says. */
async function answerForm({ message, requestedSchema }) {
  const fields = Object.entries(requestedSchema?.properties ?? {});
  if (!process.stdin.isTTY) {
    if (process.env.MCP_ELICITATION !== 'accept') return { action: 'decline' };
    return {
      action: 'accept',
      content: Object.fromEntries(fields.map(([name, field]) => [name, field.default ?? (field.type === 'boolean' ? true : '')])),
    };
  }
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    console.error(`The server asks: ${message}`);
    const content = {};
    for (const [name, field] of fields) {
      const typed = (
        await terminal.question(`  ${field.description ?? field.title ?? name}${field.type === 'boolean' ? ' [y/N]' : ''}: `)
      ).trim();
      if (field.type === 'boolean') content[name] = /^y(es)?$/i.test(typed);
      else if (field.type === 'number' || field.type === 'integer') content[name] = Number(typed);
      else content[name] = typed;
    }
    return { action: 'accept', content };
  } finally {
    terminal.close();
  }
}

function open() {
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider });
  const client = new Client({ name: 'connect-with-sdk', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler('elicitation/create', (request) => answerForm(request.params));
  return { transport, client };
}

/** Runs `step`; when the SDK stopped to send the user to the browser for more scope (step-up), finishes that login and runs it again. */
async function withStepUp(transport, step) {
  try {
    return await step();
  } catch (error) {
    if (stopped || !(error instanceof UnauthorizedError)) throw error;
    await transport.finishAuth(await authorizationResponse);
    stepUps++;
    return step();
  }
}

async function main() {
  let { transport, client } = open();
  try {
    await client.connect(transport);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await transport.finishAuth(await authorizationResponse);
    await client.close();
    ({ transport, client } = open());
    await client.connect(transport);
  }
  try {
    const result = await withStepUp(transport, () => client.callTool({ name: tool, arguments: toolArguments }));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.isError ? 1 : 0;
  } finally {
    await client.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(stopped ?? `Failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  callbacks.close();
}
