import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { DEV_TOKEN_EXCHANGE_CLIENT, INVENTORY_SCOPES } from '../src/dev-identity-provider/demo-clients.js';
import { TestDpopKey, dpopBoundToken, dpopHeaders } from './support/dpop.js';
import { buildExample } from './support/fleet.js';
import { freePort, post, startTestIdentity } from './support/harness.js';
import type { TestIdentity } from './support/harness.js';
import { envelope, modernCall, modernHeaders } from './support/modern.js';

// The example's build (first run only) and one run of it as a process.
jest.setTimeout(240_000);

/** A JSON Web Token anywhere in a text: three base64url parts, the first two JSON objects. */
const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

/**
 * The default audit sink (issue 23: JSON lines, batched, written off the request path) as users
 * run it: the example as a process, its standard output on a pipe. Every event kind the merged
 * features add reaches it with its fields (guard denials of issue 21, DPoP refusals and keys of
 * issue 24, completions of issue 22A, a downstream call of issue 25), nothing decided before
 * SIGTERM is lost, and no line holds a token: neither the callers' nor the exchanged one.
 */
describe('the example’s audit lines on standard output', () => {
  let identity: TestIdentity;
  let child: ChildProcess;
  let resourceUrl: string;
  let stdout = '';
  let exited: Promise<string>;
  const tokens: string[] = [];

  beforeAll(async () => {
    const main = buildExample();
    const [port, inventoryPort] = [await freePort(), await freePort()];
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    const inventory = `http://127.0.0.1:${inventoryPort}`;
    identity = await startTestIdentity(resourceUrl, {
      tokenExchange: { clients: [DEV_TOKEN_EXCHANGE_CLIENT], targets: { [inventory]: INVENTORY_SCOPES } },
    });
    child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        MCP_AUTH_ISSUER: identity.idp.issuer,
        MCP_RESOURCE_URL: resourceUrl,
        MCP_STATELESS: 'true',
        MCP_EXAMPLE_READ_ONLY: 'true',
        MCP_EXAMPLE_LOG_CALLS: 'false',
        MCP_DOWNSTREAM_CLIENT_ID: DEV_TOKEN_EXCHANGE_CLIENT.clientId,
        MCP_DOWNSTREAM_CLIENT_SECRET: DEV_TOKEN_EXCHANGE_CLIENT.clientSecret,
        MCP_INVENTORY_AUDIENCE: inventory,
        MCP_EXAMPLE_INVENTORY_PORT: String(inventoryPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      if (child.exitCode !== null) throw new Error(`the example exited: ${stdout}`);
      if (
        await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
    }
    throw new Error(`the example did not start: ${stdout}`);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await identity?.idp.close();
  });

  /** The audit events the example printed, parsed. */
  const auditEvents = () =>
    stdout
      .split('\n')
      .filter((line) => line.includes('"context":"McpAuthAudit"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('prints every kind of decision with its fields, loses none at SIGTERM, and never a token', async () => {
    const reader = await identity.idp.token('demo-reader');
    const writer = await identity.idp.token('demo-writer');
    const key = await TestDpopKey.create();
    const { token: bound } = await dpopBoundToken(identity.idp, 'demo-reader', key);
    tokens.push(reader, writer, bound);
    const modern = (token: string, method: string, params: Record<string, unknown>, name?: string) =>
      post(
        resourceUrl,
        { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: envelope() } },
        { token, headers: modernHeaders(method, name) },
      );
    const answered = async (response: Promise<Response>) => {
      const settled = await response;
      return {
        status: settled.status,
        body: (await settled.json()) as { result?: { isError?: boolean; structuredContent?: unknown }; error?: { code: number } },
      };
    };

    // Refused before any token work, and a DPoP proof refused (used twice).
    expect((await answered(post(resourceUrl, modernCall('whoami')))).status).toBe(401);
    const proof = await key.proof({ htu: resourceUrl, accessToken: bound });
    const call = () =>
      post(resourceUrl, modernCall('whoami'), { headers: { ...modernHeaders('tools/call', 'whoami'), ...dpopHeaders(bound, proof) } });
    expect((await answered(call())).status).toBe(200);
    expect((await answered(call())).status).toBe(401);
    // A step-up refusal, an application guard's denial (MCP_EXAMPLE_READ_ONLY), completions allowed and hidden.
    expect(
      (await answered(modern(reader, 'tools/call', { name: 'create_product', arguments: { name: 'x', price: 1 } }, 'create_product')))
        .status,
    ).toBe(403);
    const denied = await answered(
      modern(writer, 'tools/call', { name: 'create_product', arguments: { name: 'x', price: 1 } }, 'create_product'),
    );
    expect(denied.body.result?.isError ?? denied.body.error).toBeTruthy();
    const ref = (name: string) => ({ ref: { type: 'ref/prompt', name }, argument: { name: 'id', value: '' } });
    expect((await answered(modern(writer, 'completion/complete', ref('product_description')))).body.error).toBeUndefined();
    // The example lists everything (MCP_LISTING=all): a listed prompt the caller may not use is refused, not hidden.
    expect((await answered(modern(reader, 'completion/complete', ref('product_description')))).body.error?.code).toBe(-32003);
    // A downstream call: the exchanged token goes to the inventory API, never to a log line.
    // With the DPoP-bound token: the exchange takes it as the subject token like any other (issue 24 beside 25).
    const stockCall = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'stock_level', arguments: { sku: 'LAMP-1' }, _meta: envelope() },
    };
    const stock = await answered(
      post(resourceUrl, stockCall, {
        headers: {
          ...modernHeaders('tools/call', 'stock_level'),
          ...dpopHeaders(bound, await key.proof({ htu: resourceUrl, accessToken: bound })),
        },
      }),
    );
    expect(stock.body.result?.structuredContent).toEqual({ sku: 'LAMP-1', level: 12 });

    // A burst, and SIGTERM as soon as its first answer arrives: the rest are drained by the shutdown (or refused, 503,
    // or never reach the closed port). Every list that was answered was decided, and its line must be there.
    const burst = Array.from({ length: 40 }, () => answered(modern(reader, 'tools/list', {})).catch(() => ({ status: 0 })));
    await Promise.race(burst);
    child.kill('SIGTERM');
    const served = (await Promise.all(burst)).filter((answer) => answer.status === 200).length;
    // Nest's shutdown hooks run, then raise the signal again: the process ends by it.
    expect(await exited).toBe('SIGTERM');
    expect(served).toBeGreaterThan(0);

    const events = auditEvents();
    expect(events.filter((event) => event.action === 'tools/list' && event.subject === 'demo-reader')).toHaveLength(served);
    const of = (match: Record<string, unknown>) =>
      events.filter((event) => Object.entries(match).every(([name, value]) => event[name] === value));
    for (const event of events) {
      expect(event).toMatchObject({ level: 'log', context: 'McpAuthAudit', time: expect.any(String), action: expect.any(String) });
    }
    expect(of({ action: 'authenticate', outcome: 'denied', reason: 'missing_token' })[0]).toMatchObject({ ip: expect.any(String) });
    expect(of({ action: 'tools/call', outcome: 'allowed', tool: 'whoami' })[0]).toMatchObject({ subject: 'demo-reader', dpopJkt: key.jkt });
    expect(of({ action: 'authenticate', outcome: 'denied', reason: 'dpop_proof_replayed' })).toHaveLength(1);
    expect(of({ action: 'tools/call', outcome: 'denied', reason: 'insufficient_scope', tool: 'create_product' })[0]).toMatchObject({
      subject: 'demo-reader',
      missingScopes: ['User.Write'],
    });
    expect(of({ action: 'tools/call', outcome: 'denied', reason: 'guard_denied', tool: 'create_product' })[0]).toMatchObject({
      subject: 'demo-writer',
      guard: 'ReadOnlyGuard',
    });
    expect(of({ action: 'completion/complete', outcome: 'allowed', prompt: 'product_description' })[0]).toMatchObject({
      subject: 'demo-writer',
    });
    expect(
      of({ action: 'completion/complete', outcome: 'denied', reason: 'insufficient_scope', prompt: 'product_description' }),
    ).toHaveLength(1);
    expect(of({ action: 'tools/call', outcome: 'allowed', tool: 'stock_level' })[0]).toMatchObject({
      subject: 'demo-reader',
      dpopJkt: key.jkt,
    });

    for (const token of tokens) expect(stdout).not.toContain(token);
    expect(stdout).not.toMatch(JWT);
  });
});
