import { classifyInboundRequest } from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';
import { eraOf } from './protocol-era.js';

const CLAIM = 'io.modelcontextprotocol/protocolVersion';
const request = (headers: Record<string, string> = {}) => ({ method: 'POST', headers }) as unknown as IncomingMessage;

/** What the SDK itself would do with the body: legacy, or its modern path (served or rejected). */
function sdkEra(body: unknown, headers: Record<string, string> = {}): 'modern' | 'legacy' {
  const outcome = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: headers['mcp-protocol-version'],
    mcpMethodHeader: headers['mcp-method'],
    mcpNameHeader: headers['mcp-name'],
    body,
  });
  return outcome.kind === 'legacy' ? 'legacy' : 'modern';
}

describe('eraOf', () => {
  const bodies: Array<[string, unknown, Record<string, string>]> = [
    ['a modern call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', _meta: { [CLAIM]: '2026-07-28' } } }, {}],
    [
      'a claim naming an unserved revision',
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { [CLAIM]: '2099-01-01' } } },
      {},
    ],
    ['a claim with a malformed envelope', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { [CLAIM]: 7 } } }, {}],
    ['a modern notification', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: { [CLAIM]: '2026-07-28' } } }, {}],
    ['a claim on a body that is not JSON-RPC', { id: 1, method: 'tools/list', params: { _meta: { [CLAIM]: '2026-07-28' } } }, {}],
    ['an initialize with a claim', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { _meta: { [CLAIM]: '2026-07-28' } } }, {}],
    ['a 2025 initialize', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {} } }, {}],
    ['a claim-less call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }, { 'mcp-protocol-version': '2025-11-25' }],
    [
      'a modern header without an envelope',
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      { 'mcp-protocol-version': '2026-07-28' },
    ],
    ['a batch', [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], {}],
  ];

  it.each(bodies)('routes %s exactly as the SDK classifies it', (_name, body, headers) => {
    expect(eraOf(request(headers), body, 'dual')).toBe(sdkEra(body, headers));
  });

  it('routes everything to the chosen era with protocol modern or legacy', () => {
    const initialize = bodies[6][1];
    expect(eraOf(request(), initialize, 'modern')).toBe('modern');
    expect(eraOf(request(), bodies[0][1], 'legacy')).toBe('legacy');
  });
});
