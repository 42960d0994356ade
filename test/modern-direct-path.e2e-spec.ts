import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { ModernDirectPath } from '../libs/mcp-auth/src/transport/modern-direct-path.js';
import { modernCall, modernHeaders } from './support/modern.js';
import { generateRequests } from './support/modern-request-generator.js';
import type { Caller, GeneratedRequest } from './support/modern-request-generator.js';
import { GatedTools } from './support/gated-tools.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { describeOnPlatforms } from './support/platforms.js';
import { probe } from './support/direct-path-probe.js';
import type { PathProbe } from './support/direct-path-probe.js';

/**
 * The proof of the modern direct path (issue 23): every generated 2026-07-28 request goes
 * to the same application twice, once with the direct path switched off (the SDK's
 * `createMcpHandler` answers, as before the direct path existed) and once as shipped, with
 * the same caller's token; the two answers must agree in status, protocol headers and JSON
 * body, and each request must have taken the path the generator expects.
 *
 * Reproducible: a fixed seed here; `DIFF_SEED` and `DIFF_COUNT` run another or a longer
 * sequence (`DIFF_SEED=7 DIFF_COUNT=20000 npm run test:jest -- test/modern-direct-path.e2e-spec.ts`).
 * When the SDK ships a cheaper entry, or a new version, this is the test that says whether
 * the direct path still answers as the SDK does.
 */
const SEED = Number(process.env.DIFF_SEED ?? 2307);
const COUNT = Number(process.env.DIFF_COUNT ?? 2000);

/** The headers that carry protocol meaning; others (Date, Keep-Alive, ETag...) are the HTTP server's. */
const PROTOCOL_HEADERS = [
  'content-type',
  'content-length',
  'mcp-session-id',
  'www-authenticate',
  'allow',
  'retry-after',
  'cache-control',
  'x-accel-buffering',
] as const;

interface Answer {
  status: number;
  headers: Partial<Record<(typeof PROTOCOL_HEADERS)[number], string>>;
  body: unknown;
}

/** One POST with raw header lines (repeated names and their case kept), answer read whole; bounded at 10 s. */
function send(url: string, token: string, generated: GeneratedRequest): Promise<Answer> {
  // Raw header lines: Node's client then adds nothing of its own, not even Host.
  const rawHeaders = ['host', new URL(url).host, ...generated.headers.flat(), 'authorization', `Bearer ${token}`];
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers: rawHeaders, timeout: 10_000 });
    outgoing.on('response', async (response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: response.statusCode!, headers: protocolHeaders(response.headers), body: parsed(text) });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 10 s')));
    outgoing.on('error', reject);
    outgoing.end(generated.body);
  });
}

function protocolHeaders(headers: IncomingHttpHeaders): Answer['headers'] {
  const kept: Answer['headers'] = {};
  for (const name of PROTOCOL_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = String(value);
  }
  return kept;
}

function parsed(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return { unparsedText: text };
  }
}

describeOnPlatforms('the modern direct path answers as the SDK does (differential)', (platform) => {
  let h: LibraryApp;
  let path: PathProbe;
  const tokens = new Map<Caller, string>();
  // The whole sequence on Express; on Fastify, whose request reaches the endpoint as the same Node request, a quarter of it.
  const count = platform === 'express' ? COUNT : Math.ceil(COUNT / 4);

  beforeAll(async () => {
    h = await startLibraryApp({}, [], platform);
    for (const caller of ['demo-reader', 'demo-writer', 'demo-admin'] as const) tokens.set(caller, await h.token(caller));
    path = probe(h.app.get(ModernDirectPath, { strict: false }));
  });
  afterAll(async () => {
    path?.restore();
    await h?.close();
  });

  it(`${count} generated requests (seed ${SEED}): same status, protocol headers and JSON body both ways, each on its expected path`, async () => {
    const requests = generateRequests(SEED, count);
    const mismatches: string[] = [];
    const taken = { direct: 0, sdk: 0 };
    for (const [index, generated] of requests.entries()) {
      const token = tokens.get(generated.caller)!;
      path.forceSdk = true;
      const viaSdk = await send(h.resourceUrl, token, generated);
      path.forceSdk = false;
      path.last = 'sdk';
      const viaEndpoint = await send(h.resourceUrl, token, generated);
      taken[path.last]++;
      const where = `#${index} ${generated.label}`;
      try {
        expect(viaEndpoint).toEqual(viaSdk);
      } catch {
        mismatches.push(
          `${where}: answers differ\n  SDK:    ${JSON.stringify(viaSdk).slice(0, 600)}\n  direct: ${JSON.stringify(viaEndpoint).slice(0, 600)}`,
        );
        continue;
      }
      const wanted = generated.expected === 'direct' ? 'direct' : generated.expected === 'either' ? undefined : 'sdk';
      if (wanted !== undefined && path.last !== wanted)
        mismatches.push(`${where}: took the ${path.last} path, expected ${wanted} (status ${viaSdk.status})`);
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    // Both paths are exercised by every run: most well-formed requests go direct, every refusal to the SDK.
    expect(taken.direct).toBeGreaterThan(count / 4);
    expect(taken.sdk).toBeGreaterThan(count / 4);
  }, 600_000);

  it('concurrent requests with the same id from different callers each get their own answer, on the direct path', async () => {
    const callers = ['demo-reader', 'demo-writer', 'demo-admin'] as const;
    const before = path.directAnswers;
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        const caller = callers[index % callers.length];
        const response = await fetch(h.resourceUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${tokens.get(caller)}`,
            ...modernHeaders('tools/call', 'whoami'),
          },
          body: JSON.stringify(modernCall('whoami', 1)),
        });
        return { caller, status: response.status, body: (await response.json()) as any };
      }),
    );
    for (const { caller, status, body } of answers) {
      expect(status).toBe(200);
      expect(body.id).toBe(1);
      expect(body.result.structuredContent.sub).toBe(caller);
    }
    expect(path.directAnswers - before).toBe(60);
  });
});

describe('the modern direct path at shutdown', () => {
  /** A modern call of the gated tool, answered once the test opens the gate (or the server shuts down). */
  function gatedCall(h: LibraryApp, token: string, id: number): Promise<string> {
    return fetch(h.resourceUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        ...modernHeaders('tools/call', 'gated'),
      },
      body: JSON.stringify(modernCall('gated', id)),
    }).then(
      async (response) => `answered ${response.status}: ${await response.text()}`,
      () => 'connection closed',
    );
  }

  it('lets an in-flight call finish before close() returns', async () => {
    const h = await startLibraryApp({ shutdownTimeoutMs: 10_000 }, [GatedTools]);
    const path = probe(h.app.get(ModernDirectPath, { strict: false }));
    try {
      const tools = h.app.get(GatedTools);
      const inFlight = gatedCall(h, await h.token('demo-reader'), 41);
      await tools.whenRunning(1);
      expect(path.directAnswers).toBe(1);
      const closing = h.app.close();
      tools.open();
      expect(await inFlight).toMatch(/^answered 200: .*"text":"finished"/);
      await closing;
    } finally {
      path.restore();
      await h.close();
    }
  });

  it('aborts a stuck call after shutdownTimeoutMs, as closing the SDK’s servers does, and answers it 503', async () => {
    const h = await startLibraryApp({ shutdownTimeoutMs: 200 }, [GatedTools]);
    const tools = h.app.get(GatedTools);
    const stuck = gatedCall(h, await h.token('demo-reader'), 42);
    await tools.whenRunning(1);
    await h.close();
    expect(tools.aborted).toEqual(['SdkError']);
    expect(await stuck).toMatch(/^answered 503: .*shut down before this request finished/);
  });
});
