// Soak: a bounded mixed load against the example server on loopback, in this process.
// Prints requests served, answers by status, and the process's memory at start and end,
// so that a leak shows as a number. Not part of `npm test`.
//
//   npm run soak                       30 s, 8 concurrent clients
//   SOAK_SECONDS=120 SOAK_CLIENTS=16 npm run soak
import { createServer } from 'node:net';
import { bootstrap } from '../dist/main.js';
import { DEMO_CLIENTS } from '../dist/dev-identity-provider/demo-clients.js';

const seconds = bounded('SOAK_SECONDS', 30, 1, 600);
const clients = bounded('SOAK_CLIENTS', 8, 1, 64);
const MAX_REQUESTS = 5_000_000;

function bounded(name, fallback, min, max) {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const resourceUrl = `http://127.0.0.1:${port}/mcp`;
const app = await bootstrap({
  ...process.env,
  PORT: String(port),
  HOST: '127.0.0.1',
  MCP_RESOURCE_URL: resourceUrl,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  // A run of its own: the embedded provider on any free port, its clients in memory (nothing left in .data/).
  MCP_EXAMPLE_IDP_PORT: process.env.MCP_EXAMPLE_IDP_PORT ?? '0',
});

async function token(clientId) {
  const client = DEMO_CLIENTS.find((c) => c.clientId === clientId);
  const response = await fetch(`${app.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: client.scopes.join(' '), resource: resourceUrl }),
  });
  const json = await response.json();
  if (!json.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(json)}`);
  return json.access_token;
}

const tokens = { reader: await token('demo-reader'), admin: await token('demo-admin') };
const counts = new Map();
let served = 0;
let failures = 0;

const rpc = (method, params, id = 1) => ({ jsonrpc: '2.0', id, method, params });
const initialize = rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'soak', version: '1' } });

async function send(method, bearer, { body, sessionId } = {}) {
  const headers = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (sessionId) headers['mcp-session-id'] = sessionId;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(resourceUrl, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    await response.arrayBuffer();
    served++;
    counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
    return response;
  } catch {
    failures++;
    return undefined;
  }
}

async function openSession(bearer) {
  const response = await send('POST', bearer, { body: initialize });
  const sessionId = response?.headers.get('mcp-session-id') ?? undefined;
  if (sessionId) await send('POST', bearer, { body: { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId });
  return sessionId;
}

/** One client: a mix of valid calls, invalid tokens, forbidden calls, session churn and hijack attempts. */
async function client(index, deadline) {
  let sessionId = await openSession(tokens.reader);
  for (let turn = 0; Date.now() < deadline && served < MAX_REQUESTS; turn++) {
    switch ((turn + index) % 8) {
      case 0:
      case 1:
      case 2:
        await send('POST', tokens.reader, { body: rpc('tools/call', { name: 'list_products', arguments: {} }), sessionId });
        break;
      case 3:
        await send('POST', turn % 2 ? 'not.a.token' : undefined, { body: rpc('tools/list', {}) });
        break;
      case 4:
        await send('POST', tokens.reader, { body: rpc('tools/call', { name: 'delete_product', arguments: { id: 1 } }), sessionId });
        break;
      case 5:
        await send('POST', tokens.admin, { body: rpc('tools/list', {}), sessionId });
        break;
      case 6: {
        const churned = await openSession(tokens.admin);
        if (churned) await send('DELETE', tokens.admin, { sessionId: churned });
        break;
      }
      default:
        if (sessionId) await send('DELETE', tokens.reader, { sessionId });
        sessionId = await openSession(tokens.reader);
    }
  }
  if (sessionId) await send('DELETE', tokens.reader, { sessionId });
}

function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// Warm up (JIT, connection pool), then measure.
await Promise.all(Array.from({ length: clients }, (_, i) => client(i, Date.now() + 2_000)));
served = 0;
failures = 0;
counts.clear();
const before = memory();
const started = Date.now();
await Promise.all(Array.from({ length: clients }, (_, i) => client(i, started + seconds * 1_000)));
const elapsed = (Date.now() - started) / 1_000;
const after = memory();
await app.close();

console.log(`soak: ${seconds} s, ${clients} clients, endpoint ${resourceUrl}`);
console.log(`requests served: ${served} (${Math.round(served / elapsed)}/s), client-side failures: ${failures}`);
console.log(
  `answers by status: ${[...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ')}`,
);
console.log(`memory at start: rss ${mb(before.rss)}, heap ${mb(before.heapUsed)}`);
console.log(`memory at end:   rss ${mb(after.rss)}, heap ${mb(after.heapUsed)} (heap change ${mb(after.heapUsed - before.heapUsed)})`);
const errors = [...counts.keys()].filter((status) => status >= 500);
if (errors.length > 0 || failures > 0) {
  console.error('soak: server errors or failed requests seen');
  process.exitCode = 1;
}
