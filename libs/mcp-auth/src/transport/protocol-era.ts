import { classifyInboundRequest } from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';

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
  const outcome = classifyInboundRequest({
    httpMethod: req.method ?? 'POST',
    protocolVersionHeader: header(req, 'mcp-protocol-version'),
    mcpMethodHeader: header(req, 'mcp-method'),
    mcpNameHeader: header(req, 'mcp-name'),
    body,
  });
  return outcome.kind === 'legacy' ? 'legacy' : 'modern';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
