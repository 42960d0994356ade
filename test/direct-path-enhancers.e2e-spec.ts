import { Inject, Injectable, Scope } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { APP_GUARD, REQUEST } from '@nestjs/core';
import { McpExecutionContext, McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { McpContextType, McpToolContext } from 'nestjs-mcp-auth';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { probeDirectPath } from './support/direct-path-probe.js';
import type { ModernPath, PathProbe } from './support/direct-path-probe.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { MODERN, modernCall, modernHeaders } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { until } from './support/until.js';

type Caller = 'demo-reader' | 'demo-writer';

/** What the application's global guard read through `McpExecutionContext`, per `x-trace` header. */
@Injectable()
class GuardLog {
  readonly seen = new Map<string, { sub: string; era: string; protocolVersion: string | null; trace: string | null }>();
}

/** A global guard that records the call as it sees it; it lets everything through. */
@Injectable()
class RecordingGuard implements CanActivate {
  constructor(private readonly log: GuardLog) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<McpContextType>() !== 'mcp') return true;
    const call = McpExecutionContext.from(context);
    const trace = call.request?.headers['x-trace'];
    if (typeof trace === 'string') {
      this.log.seen.set(trace, { sub: call.principal.sub, era: call.era, protocolVersion: call.protocolVersion ?? null, trace });
    }
    return true;
  }
}

/** A request-scoped dependency: Nest gives it the HTTP request that carried the call. */
@Injectable({ scope: Scope.REQUEST })
class CallerTrace {
  static created = 0;
  readonly instance = ++CallerTrace.created;
  constructor(
    @Inject(REQUEST) readonly request: { headers: IncomingMessage['headers']; raw?: { user?: { sub: string } }; user?: { sub: string } },
  ) {}

  get trace(): string | null {
    const value = this.request.headers['x-trace'];
    return typeof value === 'string' ? value : null;
  }

  get user(): string | null {
    return (this.request.raw ?? this.request).user?.sub ?? null;
  }
}

/** Calls held until the test lets them go (or they are aborted), so that two callers are in flight at once. */
@Injectable()
class Gate {
  private readonly waiting = new Map<string, () => void>();
  readonly aborted = new Set<string>();
  private arrivals: Array<() => void> = [];
  /** Calls held here so far, released or not. */
  arrived = 0;

  /** Resolves once `count` calls in all are held here. */
  async held(count: number): Promise<void> {
    while (this.arrived < count) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  hold(trace: string, signal: AbortSignal): Promise<'released' | 'aborted'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('released'), 10_000);
      this.waiting.set(trace, () => {
        clearTimeout(timer);
        resolve('released');
      });
      signal.addEventListener('abort', () => {
        this.aborted.add(trace);
        clearTimeout(timer);
        resolve('aborted');
      });
      this.arrived++;
      for (const arrival of this.arrivals.splice(0)) arrival();
    });
  }

  release(trace: string): void {
    this.waiting.get(trace)?.();
  }
}

/** Tools whose answers show who each part of the call thought the caller was. */
@McpToolProvider()
class WhoSeesWhat {
  constructor(
    private readonly caller: CallerTrace,
    private readonly gate: Gate,
  ) {}

  @McpTool({
    name: 'who_sees_what',
    description: 'The caller as the request scope, the context and the signal see it',
    input: { hold: z.boolean() },
  })
  async whoSeesWhat({ hold }: { hold: boolean }, context: McpToolContext) {
    const trace = this.caller.trace ?? '';
    const outcome = hold ? await this.gate.hold(trace, context.signal) : 'not held';
    return {
      outcome,
      principal: context.principal.sub,
      requestUser: this.caller.user,
      requestTrace: this.caller.trace,
      instance: this.caller.instance,
      aborted: context.signal.aborted,
    };
  }
}

/**
 * Issue 21's pipeline (global guards, request-scoped providers, `McpExecutionContext`) on
 * issue 23's direct path, whose protocol servers are long-lived and shared by every caller:
 * it must behave as on the SDK's per-request servers, and nothing of one request (principal,
 * request-scoped instances, abort signals) may reach another caller's call.
 */
describeOnPlatforms('the application’s enhancers on the modern direct path', (platform) => {
  let app: LibraryApp;
  let path: PathProbe;
  const tokens = new Map<Caller, string>();

  beforeAll(async () => {
    app = await startLibraryApp({}, [GuardLog, Gate, CallerTrace, WhoSeesWhat, { provide: APP_GUARD, useClass: RecordingGuard }], platform);
    path = probeDirectPath(app);
    for (const caller of ['demo-reader', 'demo-writer'] as const) tokens.set(caller, await app.token(caller));
  });
  afterAll(async () => {
    path?.restore();
    await app?.close();
  });

  const headersOf = (caller: Caller, trace: string) => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${tokens.get(caller)}`,
    'x-trace': trace,
    ...modernHeaders('tools/call', 'who_sees_what'),
  });

  /** One 2026-07-28 call of `who_sees_what` as `caller`, with `trace` in `x-trace`. */
  async function call(caller: Caller, trace: string, { id = 1, hold = false }: { id?: number; hold?: boolean } = {}) {
    const response = await fetch(app.resourceUrl, {
      method: 'POST',
      headers: headersOf(caller, trace),
      body: JSON.stringify(modernCall('who_sees_what', id, { hold })),
    });
    const body = (await response.json()) as { id: number; result?: { structuredContent?: Record<string, unknown> } };
    return { status: response.status, id: body.id, seen: body.result?.structuredContent };
  }

  it.each(['direct', 'sdk'] as const)(
    'runs the global guard and resolves the request scope on the %s path alike',
    async (via: ModernPath) => {
      path.forceSdk = via === 'sdk';
      path.last = 'sdk';
      try {
        const trace = `single-${via}`;
        const answer = await call('demo-reader', trace);
        expect(path.last).toBe(via);
        expect(answer.status).toBe(200);
        expect(answer.seen).toMatchObject({
          outcome: 'not held',
          principal: 'demo-reader',
          requestUser: 'demo-reader',
          requestTrace: trace,
          aborted: false,
        });
        expect(app.app.get(GuardLog).seen.get(trace)).toEqual({ sub: 'demo-reader', era: 'modern', protocolVersion: MODERN, trace });
      } finally {
        path.forceSdk = false;
      }
    },
  );

  it.each([
    ['different ids (one long-lived server serves both)', 7, 8],
    ['the same id (two servers of the pool)', 9, 9],
  ])('keeps two subjects’ concurrent calls apart on the direct path: %s', async (_case, readerId, writerId) => {
    const gate = app.app.get(Gate);
    const [before, arrived] = [path.directAnswers, gate.arrived];
    const [reader, writer] = [`r-${readerId}-${writerId}`, `w-${readerId}-${writerId}`];
    const both = Promise.all([
      call('demo-reader', reader, { id: readerId, hold: true }),
      call('demo-writer', writer, { id: writerId, hold: true }),
    ]);
    await gate.held(arrived + 2);
    gate.release(writer);
    gate.release(reader);
    const [a, b] = await both;
    expect(path.directAnswers - before).toBe(2);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.id, b.id]).toEqual([readerId, writerId]);
    expect(a.seen).toMatchObject({ outcome: 'released', principal: 'demo-reader', requestUser: 'demo-reader', requestTrace: reader });
    expect(b.seen).toMatchObject({ outcome: 'released', principal: 'demo-writer', requestUser: 'demo-writer', requestTrace: writer });
    expect(a.seen?.instance).not.toBe(b.seen?.instance);
    const guard = app.app.get(GuardLog).seen;
    expect(guard.get(reader)?.sub).toBe('demo-reader');
    expect(guard.get(writer)?.sub).toBe('demo-writer');
  });

  it.each([
    ['different ids', 17, 18],
    ['the same id', 19, 19],
  ])('aborts only the call whose client left, not the other subject’s on the direct path (%s)', async (_case, readerId, writerId) => {
    const gate = app.app.get(Gate);
    const [reader, writer] = [`abort-r-${readerId}`, `abort-w-${writerId}`];
    const arrived = gate.arrived;
    // The client that leaves: a connection of its own, closed while its call runs.
    const leaving = request(app.resourceUrl, { method: 'POST', headers: headersOf('demo-reader', reader), agent: false });
    const gone = new Promise<string>((resolve) =>
      leaving.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)),
    );
    leaving.end(JSON.stringify(modernCall('who_sees_what', readerId, { hold: true })));
    const staying = call('demo-writer', writer, { id: writerId, hold: true });
    await gate.held(arrived + 2);
    leaving.destroy();
    expect(await gone).toBe('ECONNRESET');
    await until(() => gate.aborted.has(reader));
    gate.release(writer);
    const kept = await staying;
    expect(kept.status).toBe(200);
    expect(kept.seen).toMatchObject({ outcome: 'released', principal: 'demo-writer', requestTrace: writer, aborted: false });
    expect(gate.aborted.has(writer)).toBe(false);
  });
});
