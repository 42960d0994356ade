import { LOG_LEVEL_META_KEY, classifyInboundRequest } from '@modelcontextprotocol/server';
import type { InboundModernRoute, JSONRPCRequest } from '@modelcontextprotocol/server';
import type { IncomingHttpHeaders } from 'node:http';
import { headerOf } from './protocol-era.js';

/** A 2026-07-28 request the direct path may answer. */
export type DirectRoute = InboundModernRoute & { readonly messageKind: 'request'; readonly message: JSONRPCRequest };

/**
 * The methods the direct path answers: what the catalogue serves, the era's probe and
 * ping. Their answers depend on the request and the catalogue only, never on state a
 * long-lived server would carry from one request to the next. Anything else (an unknown
 * method, `initialize`, `subscriptions/listen`, tasks) goes to the SDK's handler.
 */
const DIRECT_METHODS: ReadonlySet<string> = new Set([
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'server/discover',
  'ping',
]);

/** The body field the `Mcp-Name` header mirrors, per method (SEP-2243; the SDK's `MCP_NAME_HEADER_SOURCE`, restricted to {@link DIRECT_METHODS}). */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** The SDK's Base64 sentinel on `Mcp-Name` and `Mcp-Param-*` values (`=?base64?…?=`). */
const BASE64_SENTINEL = '=?base64?';

/**
 * The route of a 2026-07-28 POST the direct path can answer exactly as the SDK's
 * `createMcpHandler` would, or undefined: then the SDK answers it. It is a filter, never
 * a judge: every request it keeps passes each rung of the SDK 2.4 ladder that comes before
 * dispatch, and every request that fails a rung (or that it is not sure of) is left to the
 * SDK, which gives its own refusal. In the order of the SDK's entry:
 *
 * 1. Content type: checked by the endpoint before the body is read (the same 415).
 * 2. Classification: the SDK's exported `classifyInboundRequest`, on the same inputs as
 *    its entry (method, the three standard headers as the web `Request` reports them, the
 *    parsed body). Only a modern *request* is kept: notifications, legacy routes and every
 *    ladder rejection go to the SDK.
 * 3. The claimed revision: only those the SDK serves (the caller checks; see
 *    {@link ModernDirectPath}).
 * 4. The standard headers (SDK-internal `validateStandardRequestHeaders`): kept only when
 *    `MCP-Protocol-Version` and `Mcp-Method` are present and `Mcp-Name`, where the method
 *    has one, is absent with no name in the body, or equals the body's name once optional
 *    whitespace is stripped. A Base64-encoded `Mcp-Name` is left to the SDK's decoder.
 * 5. Required client capabilities: SDK 2.4 requires none for any method
 *    (`REQUIRED_CLIENT_CAPABILITIES_BY_METHOD` is empty).
 * 6. `subscriptions/listen`, `Mcp-Param-*` checks and scope challenges (the last two are
 *    the SDK's for an `McpServer` only; the catalogue's servers are `Server`s): not on the
 *    direct path.
 *
 * Requests whose answer may stream are left to the SDK too: a progress token, a log level
 * in the envelope, multi-round-trip material (`inputResponses`, `requestState`).
 */
export function directRouteOf(headers: IncomingHttpHeaders, body: unknown): DirectRoute | undefined {
  const protocolVersionHeader = headerOf(headers, 'mcp-protocol-version');
  const mcpMethodHeader = headerOf(headers, 'mcp-method');
  if (protocolVersionHeader === undefined || mcpMethodHeader === undefined) return undefined;
  const mcpNameHeader = headerOf(headers, 'mcp-name');
  const outcome = classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader, mcpMethodHeader, mcpNameHeader, body });
  if (outcome.kind !== 'modern' || outcome.messageKind !== 'request') return undefined;
  const message = outcome.message as JSONRPCRequest;
  if (!DIRECT_METHODS.has(message.method) || mayStream(message.params) || !nameHeaderAgrees(message, mcpNameHeader)) return undefined;
  return outcome as DirectRoute;
}

/** Step 4's `Mcp-Name` half, kept to what is sure to pass the SDK's check. */
function nameHeaderAgrees(message: JSONRPCRequest, header: string | undefined): boolean {
  const field = Object.hasOwn(NAME_SOURCE, message.method) ? NAME_SOURCE[message.method] : undefined;
  if (field === undefined) return true;
  const params = message.params as Record<string, unknown> | undefined;
  const raw = isPlainObject(params) ? params[field] : undefined;
  const bodyValue = typeof raw === 'string' ? raw : undefined;
  if (header === undefined) return bodyValue === undefined;
  const value = stripOptionalWhitespace(header);
  if (value.startsWith(BASE64_SENTINEL)) return false;
  return bodyValue === undefined || value === bodyValue;
}

/** Whether the handler may send notifications about the request (which turn its answer into a stream), or it is a multi-round-trip retry. */
function mayStream(params: unknown): boolean {
  if (!isPlainObject(params)) return false;
  if ('inputResponses' in params || 'requestState' in params) return true;
  const meta = params._meta;
  return isPlainObject(meta) && ('progressToken' in meta || LOG_LEVEL_META_KEY in meta);
}

/** RFC 9110 optional whitespace (space, tab) around a field value, as the SDK strips it. */
function stripOptionalWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
