import { Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { McpExecutionContext, McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { McpAuditEvent, McpContextType } from 'nestjs-mcp-auth';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestDpopKey, dpopBoundToken, dpopHeaders } from './support/dpop.js';
import { probeDirectPath } from './support/direct-path-probe.js';
import type { ModernPath, PathProbe } from './support/direct-path-probe.js';
import { rpc, toolJson } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { MODERN, envelope, modernCall, modernHeaders } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { answerOf } from './support/sse.js';

/** How often the tool ran: a request refused before dispatch leaves it unchanged. */
@Injectable()
class Calls {
  count = 0;
}

/** A tool answering with what its context says about how the caller proved its token. */
@McpToolProvider()
class BindingTools {
  constructor(private readonly calls: Calls) {}

  @McpTool({ name: 'binding', description: 'How the caller proved its token' })
  binding(
    _args: Record<string, never>,
    { principal, sessionId }: { principal: { sub: string; confirmation?: object }; sessionId?: string },
  ) {
    this.calls.count++;
    return { sub: principal.sub, confirmation: principal.confirmation ?? null, sessionId: sessionId ?? null };
  }
}

/** A global interceptor adding what `McpExecutionContext.from(context)` says to a tool's object result. */
@Injectable()
class ContextReader implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<McpContextType>() !== 'mcp') return next.handle();
    const call = McpExecutionContext.from(context);
    const seen = {
      era: call.era,
      protocolVersion: call.protocolVersion ?? null,
      confirmation: call.principal.confirmation ?? null,
      dpopHeader: typeof call.request?.headers.dpop === 'string',
    };
    return next.handle().pipe(map((value) => (typeof value === 'object' && value !== null ? { ...value, seen } : value)));
  }
}

/**
 * DPoP (issue 24) across every way a request is served: a 2025 session (issue 9's sessions), a
 * 2026-07-28 request on the direct path (issue 23) and one on the SDK's handler. The proof is
 * checked by the guard, before any of them: what each path must show is that a valid proof is
 * served, a replayed one refused before dispatch, and the binding reaches the tool and the
 * application's enhancers (issue 21).
 */
describeOnPlatforms('DPoP on every path: legacy sessions, the modern direct path, the SDK handler', (platform) => {
  let app: LibraryApp;
  let path: PathProbe;
  let key: TestDpopKey;
  let token: string;
  const events: McpAuditEvent[] = [];

  beforeAll(async () => {
    app = await startLibraryApp(
      { dpop: { mode: 'allowed' }, auditSink: { record: (event) => void events.push(event) } },
      [Calls, BindingTools, { provide: APP_INTERCEPTOR, useClass: ContextReader }],
      platform,
    );
    path = probeDirectPath(app);
    key = await TestDpopKey.create();
    ({ token } = await dpopBoundToken(app.idp, 'demo-reader', key));
  });
  afterAll(async () => {
    path?.restore();
    await app?.close();
  });

  const calls = () => app.app.get(Calls).count;
  const proof = (htm = 'POST') => key.proof({ htm, htu: app.resourceUrl, accessToken: token });

  /** A POST with the DPoP scheme and `dpopProof`, the headers of its era. */
  function send(body: unknown, dpopProof: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(app.resourceUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...dpopHeaders(token, dpopProof),
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  /** A 2026-07-28 call of `binding` on the path asked for; checks that it went that way. */
  async function modernCallOn(via: ModernPath, dpopProof: string): Promise<Response> {
    path.forceSdk = via === 'sdk';
    path.last = 'sdk';
    try {
      const response = await send(modernCall('binding', 11), dpopProof, modernHeaders('tools/call', 'binding'));
      // A refusal before dispatch never reaches the direct path's choice: it stays `sdk`.
      if (response.status === 200) expect(path.last).toBe(via);
      return response;
    } finally {
      path.forceSdk = false;
    }
  }

  /** A 2025 session opened with the DPoP scheme (a proof per request), and its id. */
  async function dpopSession(): Promise<string> {
    const init = await send(rpc.initialize(), await proof(), { 'mcp-protocol-version': '2025-11-25' });
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    const ack = await send(rpc.initialized(), await proof(), { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId });
    expect(ack.status).toBe(202);
    await ack.text();
    return sessionId;
  }

  it.each(['direct', 'sdk'] as const)(
    'serves a DPoP-bound 2026-07-28 call on the %s path, the binding in the tool and in McpExecutionContext',
    async (via) => {
      const response = await modernCallOn(via, await proof());
      expect(response.status).toBe(200);
      const result = toolJson((await answerOf(response)).result);
      expect(result).toEqual({
        sub: 'demo-reader',
        confirmation: { jkt: key.jkt },
        sessionId: null,
        seen: { era: 'modern', protocolVersion: MODERN, confirmation: { jkt: key.jkt }, dpopHeader: true },
      });
    },
  );

  it('serves a DPoP-bound 2025 session: initialize, a call on it, its GET stream and its DELETE, each with its own proof', async () => {
    const sessionId = await dpopSession();
    const response = await send(rpc.callTool('binding'), await proof(), {
      'mcp-protocol-version': '2025-11-25',
      'mcp-session-id': sessionId,
    });
    expect(response.status).toBe(200);
    expect(toolJson((await answerOf(response)).result)).toEqual({
      sub: 'demo-reader',
      confirmation: { jkt: key.jkt },
      sessionId,
      seen: { era: 'legacy', protocolVersion: '2025-11-25', confirmation: { jkt: key.jkt }, dpopHeader: true },
    });

    const stream = new AbortController();
    const get = await fetch(app.resourceUrl, {
      headers: {
        ...dpopHeaders(token, await proof('GET')),
        accept: 'text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'mcp-session-id': sessionId,
      },
      signal: stream.signal,
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/event-stream/);
    stream.abort();
    await get.body?.cancel().catch(() => undefined);

    const ended = await fetch(app.resourceUrl, {
      method: 'DELETE',
      headers: { ...dpopHeaders(token, await proof('DELETE')), 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId },
    });
    expect(ended.status).toBe(200);
    await ended.text();
  });

  describe('a replayed proof is refused before dispatch', () => {
    const replayChallenge = () =>
      expect.stringMatching(/^DPoP error="invalid_dpop_proof", error_description="The DPoP proof was used before \(jti\)"/);

    it.each(['direct', 'sdk'] as const)('on the %s path', async (via) => {
      const once = await proof();
      expect((await modernCallOn(via, once)).status).toBe(200);
      const [before, directBefore] = [calls(), path.directAnswers];
      const replayed = await modernCallOn(via, once);
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toEqual(replayChallenge());
      expect(await replayed.json()).not.toHaveProperty('result');
      expect(calls()).toBe(before);
      expect(path.directAnswers).toBe(directBefore);
    });

    it('on a 2025 session, which its owner keeps', async () => {
      const sessionId = await dpopSession();
      const headers = { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId };
      const once = await proof();
      expect((await send(rpc.callTool('binding'), once, headers)).status).toBe(200);
      const before = calls();
      const replayed = await send(rpc.callTool('binding'), once, headers);
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toEqual(replayChallenge());
      await replayed.text();
      expect(calls()).toBe(before);
      // A fresh proof on the same session still works.
      expect((await send(rpc.callTool('binding'), await proof(), headers)).status).toBe(200);
    });

    it('on a listen stream, and a fresh proof opens one that stays open', async () => {
      const listen = {
        jsonrpc: '2.0',
        id: 21,
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true }, _meta: envelope() },
      };
      const once = await proof();
      const abort = new AbortController();
      const directBefore = path.directAnswers;
      const opened = await fetch(app.resourceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...dpopHeaders(token, once),
          ...modernHeaders('subscriptions/listen'),
        },
        body: JSON.stringify(listen),
        signal: abort.signal,
      });
      expect(opened.status).toBe(200);
      expect(opened.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // A listen stream is the SDK handler's: never the direct path's (issue 23), whatever the credential.
      expect(path.directAnswers).toBe(directBefore);
      const replayed = await send(listen, once, modernHeaders('subscriptions/listen'));
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toEqual(replayChallenge());
      await replayed.text();
      abort.abort();
      await opened.body?.cancel().catch(() => undefined);
    });
  });

  it('audits each path’s calls with the DPoP key, and the replays as dpop_proof_replayed, never with the token', () => {
    const allowed = events.filter((event) => event.action === 'tools/call' && event.outcome === 'allowed');
    expect(allowed.length).toBeGreaterThanOrEqual(4);
    expect(allowed.every((event) => event.dpopJkt === key.jkt)).toBe(true);
    const replays = events.filter((event) => event.reason === 'dpop_proof_replayed');
    expect(replays).toHaveLength(4);
    expect(replays.every((event) => event.action === 'authenticate' && event.outcome === 'denied')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(token);
  });
});
