import autocannon from 'autocannon';

/** What one load run measured. A response that is not the expected answer counts as a failure, not as speed. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly failures: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Headers for each connection (e.g. its own session), by connection index. */
  readonly perConnectionHeaders?: (index: number) => Record<string, string>;
  /** Headers made afresh for every request (e.g. a DPoP proof, accepted once). */
  readonly perRequestHeaders?: () => Record<string, string>;
  /** Whether a response (body, and headers with lower-case names) is the right answer. */
  readonly check: (body: string, headers: Record<string, string>) => boolean;
  /**
   * A second request each connection sends after every first one, built from the first's answer
   * (a multi-round-trip call's answered round, carrying the state the first round sealed): the
   * connections then alternate the two, and both count as requests.
   */
  readonly followUp?: FollowUp;
}

/** The second request of a pair (see {@link LoadOptions.followUp}). */
export interface FollowUp {
  /** Its body, from the first request's answer; undefined when that answer gave nothing to follow up. */
  readonly body: (firstAnswer: string) => string | undefined;
  /** Whether its response is the right answer. */
  readonly check: (body: string, headers: Record<string, string>) => boolean;
}

/** Runs autocannon against one server for a bounded time and checks every response. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let ok = 0;
  let wrong = 0;
  let connection = 0;
  const checked = (check: LoadOptions['check']) => (status: number, body: string, _context: unknown, headers?: Record<string, unknown>) => {
    if (status === 200 && check(body, lowerCaseNames(headers))) ok++;
    else wrong++;
  };
  const checkFirst = checked(options.check);
  const followUp = options.followUp;
  const checkFollowUp = followUp && checked(followUp.check);
  const perRequestHeaders = options.perRequestHeaders;
  /** `request` with a fresh set of `perRequestHeaders`, where given. */
  const withFreshHeaders = (request: autocannon.Request): autocannon.Request =>
    perRequestHeaders ? { ...request, headers: { ...options.headers, ...request.headers, ...perRequestHeaders() } } : request;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: 'POST',
    headers: options.headers,
    body: options.body,
    setupClient: (client) => {
      const extra = options.perConnectionHeaders?.(connection++);
      if (extra) client.setHeaders({ ...options.headers, ...extra });
    },
    requests: [
      {
        method: 'POST',
        ...(perRequestHeaders ? { setupRequest: withFreshHeaders } : {}),
        onResponse: followUp
          ? (status, body, context, headers) => {
              checkFirst(status, body, context, headers);
              (context as { followUp?: string }).followUp = status === 200 ? followUp.body(body) : undefined;
            }
          : checkFirst,
      },
      ...(followUp && checkFollowUp
        ? [
            {
              method: 'POST' as const,
              // Without a body to send (the first answer was wrong), the pair's first request is sent again: counted wrong above already.
              setupRequest: (request: autocannon.Request, context: { followUp?: string }) => ({
                ...withFreshHeaders(request),
                body: context.followUp ?? options.body,
              }),
              onResponse: (status: number, body: string, context: { followUp?: string }, headers?: Record<string, unknown>) => {
                if (context.followUp === undefined) return checkFirst(status, body, context, headers);
                checkFollowUp(status, body, context, headers);
              },
            },
          ]
        : []),
    ],
  });
  const failures = wrong + result.errors + result.timeouts;
  return {
    requestsPerSecond: ok / options.durationSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    failures,
  };
}

function lowerCaseNames(headers: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
}

/** The revision modern requests speak. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The headers a 2025-era (legacy) MCP client sends with a JSON-RPC POST. */
export function mcpHeaders(token?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** A JSON-RPC `tools/call`. */
export function toolCall(name: string, args: Record<string, unknown>, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

/** The headers a 2026-07-28 client sends with a `tools/call` of `name`: the revision, the method and the tool. */
export function modernToolCallHeaders(name: string, token?: string): Record<string, string> {
  return {
    ...mcpHeaders(token),
    'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
    'mcp-method': 'tools/call',
    'mcp-name': name,
  };
}

/**
 * A 2026-07-28 `tools/call`: the revision and the client's capabilities (none, unless given) in
 * the request's `_meta` envelope; `params` adds to its params (a round's `inputResponses` and `requestState`).
 */
export function modernToolCall(
  name: string,
  args: Record<string, unknown>,
  id = 1,
  { capabilities = {}, params = {} }: { capabilities?: object; params?: Record<string, unknown> } = {},
): string {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...params, _meta } });
}

/**
 * Whether a body is the complete (modern) result of request `id`: the `resultType` only a
 * 2026-07-28 answer carries, the request's id, and no tool error.
 */
export function isModernResult(body: string, id = 1): boolean {
  return body.includes('"resultType":"complete"') && body.includes(`"id":${id}`) && !body.includes('"isError":true');
}

/** Sends one POST and returns status, headers and body. */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
