import { DPOP_REJECTION_CODES } from '../authentication/dpop/dpop-rejection.js';
import { actionLabel, httpMethodLabel, isDpopReason, methodLabel, reasonLabel, statusLabel } from './metric-labels.js';

describe('metric labels (bounded sets)', () => {
  it('labels a message by its MCP method, anything unknown as other', () => {
    expect(methodLabel({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } })).toBe('tools/call');
    expect(methodLabel({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBe('notifications/initialized');
    expect(methodLabel({ jsonrpc: '2.0', id: 1, method: 'eyJhbGciOiJSUzI1NiJ9.made-up' })).toBe('other');
    expect(methodLabel({ jsonrpc: '2.0', id: 1, method: 'toString' })).toBe('other');
    expect(methodLabel([{ method: 'ping' }])).toBe('batch');
    expect(methodLabel({ jsonrpc: '2.0', id: 1, result: {} })).toBe('response');
    expect(methodLabel('garbage')).toBe('other');
    expect(methodLabel(null)).toBe('other');
  });

  it('labels statuses the endpoint answers by their code, others by their class', () => {
    expect(statusLabel(401)).toBe('401');
    expect(statusLabel(418)).toBe('4xx');
    expect(statusLabel(502)).toBe('5xx');
    expect(statusLabel(999)).toBe('5xx');
    expect(httpMethodLabel('POST')).toBe('POST');
    expect(httpMethodLabel('PROPFIND')).toBe('other');
    expect(httpMethodLabel(undefined)).toBe('other');
  });

  it('labels decisions by known reasons and actions only', () => {
    expect(reasonLabel(undefined)).toBe('none');
    expect(reasonLabel('expired')).toBe('expired');
    expect(reasonLabel('insufficient_scope')).toBe('insufficient_scope');
    for (const code of DPOP_REJECTION_CODES) expect(reasonLabel(code)).toBe(code);
    expect(isDpopReason('dpop_proof_replayed')).toBe(true);
    expect(isDpopReason('expired')).toBe(false);
    expect(reasonLabel('something a sink made up')).toBe('other');
    expect(actionLabel('tools/call')).toBe('tools/call');
    expect(actionLabel('constructor')).toBe('other');
  });
});
