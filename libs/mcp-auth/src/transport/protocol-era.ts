import { PROTOCOL_VERSION_META_KEY, classifyInboundRequest } from '@modelcontextprotocol/server';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Which MCP eras the endpoint serves: both (default), only revision 2026-07-28 and later, or only the 2025 revisions. */
export type McpProtocol = 'dual' | 'modern' | 'legacy';

/** Every value {@link McpProtocol} may take, for validating configuration. */
export const MCP_PROTOCOLS: readonly McpProtocol[] = ['dual', 'modern', 'legacy'];

/**
 * Which path serves a request. The decision is the SDK's own classification
 * (`classifyInboundRequest`, the step behind its `isLegacyRequest`): a per-request
 * envelope claim in `params._meta` makes a request modern, `initialize` or no claim
 * makes it legacy. A request the modern ladder rejects (a claim with a malformed
 * envelope, a modern `MCP-Protocol-Version` header without one, headers disagreeing with
 * the body) is modern too: the SDK's modern handler owns those error answers.
 *
 * With `protocol: 'modern'` everything goes to the modern handler, which answers legacy
 * traffic as a modern-only server must (400, -32022 naming the supported revisions);
 * with `protocol: 'legacy'` everything is served as the 2025 revisions are.
 */
export function eraOf(req: IncomingMessage, body: unknown, protocol: McpProtocol): 'modern' | 'legacy' {
  if (protocol !== 'dual') return protocol;
  // The modern handler classifies again: spare the common modern request a second pass.
  if (claimsEnvelope(body)) return 'modern';
  const outcome = classifyInboundRequest({
    httpMethod: req.method ?? 'POST',
    protocolVersionHeader: headerOf(req.headers, 'mcp-protocol-version'),
    mcpMethodHeader: headerOf(req.headers, 'mcp-method'),
    mcpNameHeader: headerOf(req.headers, 'mcp-name'),
    body,
  });
  return outcome.kind === 'legacy' ? 'legacy' : 'modern';
}

/**
 * A single message other than `initialize` whose `params._meta` carries the envelope
 * claim (`io.modelcontextprotocol/protocolVersion`). The SDK never classifies such a body as legacy (a claim routes to the modern
 * path, or to its ladder's rejection when the rest is malformed); only an `initialize`
 * with a claim may still be legacy, so it is left to the full classification.
 */
function claimsEnvelope(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { method, params } = body as { method?: unknown; params?: { _meta?: unknown } };
  if (typeof method !== 'string' || method === 'initialize' || typeof params !== 'object' || params === null) return false;
  const meta = params._meta;
  return typeof meta === 'object' && meta !== null && PROTOCOL_VERSION_META_KEY in meta;
}

/** A header as the SDK's entry reads it off the web `Request` the endpoint builds: repeated headers joined, as Node joins them. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}
