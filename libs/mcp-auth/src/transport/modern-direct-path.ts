import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  createMcpHandler,
} from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { McpServerFactory } from '../server/mcp-server.factory.js';
import { directRouteOf } from './modern-direct-route.js';
import { ModernServerPool } from './modern-server-pool.js';

/**
 * The direct path for the common 2026-07-28 exchanges, as `LegacyJsonTransport` is
 * for the 2025 revisions. The SDK's `createMcpHandler` builds a protocol server per
 * request and speaks web `Request`/`Response`; measured, that is about half of a modern
 * call's server time. Here a request the SDK would serve with a result (see
 * {@link directRouteOf} for which, and how each rung of the SDK's ladder is kept) goes to
 * a protocol server built once per revision by the catalogue's own factory, through the
 * SDK's public `Transport` seam, and its answer is written straight to the Node response.
 * Everything else (refusals, notifications, `subscriptions/listen`, answers that may
 * stream, SSE response mode) is still the SDK handler's. `modern-direct-path.spec.ts`
 * sends thousands of generated requests both ways and requires the same answers.
 *
 * Off when the endpoint answers in SSE mode (`jsonResponse: false`) or serves only the
 * 2025 revisions.
 */
@Injectable()
export class ModernDirectPath implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('McpAuth');
  /** The pools of the modern revisions the SDK serves, once they are built. */
  private readonly pools = new Map<string, ModernServerPool>();
  private closed = false;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly servers: McpServerFactory,
  ) {}

  /**
   * Builds one server per modern revision the SDK serves, listing the versions
   * `createMcpHandler` makes its servers list. At bootstrap: the catalogue (and with it the
   * servers' capabilities) is complete once every module has initialised.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.jsonResponse || this.options.protocol === 'legacy') return;
    const revisions = await modernRevisionsServedBySdk();
    const supported = [...SUPPORTED_PROTOCOL_VERSIONS, ...revisions];
    for (const revision of revisions) {
      const pool = await ModernServerPool.create(() => this.servers.createLongLived(supported), revision);
      if (pool) this.pools.set(revision, pool);
      else this.logger.debug(`Modern direct path: revision ${revision} is left to the SDK's handler (servers not bound to it)`);
    }
  }

  /**
   * Aborts the handlers still running (as closing the SDK's per-request servers does) and
   * hands every later request to the SDK's handler. The endpoint calls it once its requests
   * in flight drained, with the rest of its shutdown.
   */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  /**
   * Answers a modern POST (body read, caller authenticated and allowed) on the direct
   * path and returns true, or returns false having done nothing: the SDK's handler
   * must answer it.
   */
  serve(req: IncomingMessage, res: ServerResponse, message: unknown, authInfo: AuthInfo): boolean {
    if (this.pools.size === 0 || this.closed) return false;
    const route = directRouteOf(req.headers, message);
    const pool = route?.classification.revision === undefined ? undefined : this.pools.get(route.classification.revision);
    if (!route || !pool) return false;
    const transport = pool.transportFor(route.message.id);
    if (!(transport instanceof Promise)) {
      transport.dispatch(route.message, authInfo, res);
      return true;
    }
    transport.then(
      (ready) => ready.dispatch(route.message, authInfo, res),
      (error: unknown) => {
        this.logger.error(`Modern direct path: a server failed to start: ${(error as Error)?.message ?? String(error)}`);
        res.destroy();
      },
    );
    return true;
  }
}

/**
 * The modern revisions SDK's `createMcpHandler` serves, in its own words: the list in its
 * "unsupported protocol version" answer to a revision from the far future. The list is
 * internal to the SDK (`SUPPORTED_MODERN_PROTOCOL_VERSIONS`); asking once at startup keeps
 * the direct path to exactly the revisions the SDK's handler would serve.
 */
async function modernRevisionsServedBySdk(): Promise<string[]> {
  const probe = '9999-12-31';
  const handler = createMcpHandler(
    () => {
      throw new Error('not reached: the revision is refused before any server is built');
    },
    { legacy: 'reject' },
  );
  try {
    const body = {
      jsonrpc: '2.0',
      id: 0,
      method: 'ping',
      params: {
        _meta: {
          [PROTOCOL_VERSION_META_KEY]: probe,
          [CLIENT_CAPABILITIES_META_KEY]: {},
          [CLIENT_INFO_META_KEY]: { name: 'nestjs-mcp-auth', version: '0' },
        },
      },
    };
    const request = new Request('http://localhost/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-protocol-version': probe, 'mcp-method': 'ping' },
    });
    const answer = (await (await handler.fetch(request, { parsedBody: body })).json()) as {
      error?: { code?: unknown; data?: { supported?: unknown } };
    };
    const supported = answer.error?.code === ProtocolErrorCode.UnsupportedProtocolVersion ? answer.error.data?.supported : undefined;
    return Array.isArray(supported) ? supported.filter((version): version is string => typeof version === 'string') : [];
  } finally {
    await handler.close();
  }
}
