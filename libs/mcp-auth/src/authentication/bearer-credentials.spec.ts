import type { IncomingMessage } from 'node:http';
import { bearerCredentialsOf } from './bearer-credentials.js';

function request(headers: Record<string, string>, url = '/mcp'): IncomingMessage {
  return { headers, url } as unknown as IncomingMessage;
}

describe('bearerCredentialsOf', () => {
  it('reads a bearer token, the scheme in any case', () => {
    expect(bearerCredentialsOf(request({ authorization: 'Bearer abc.def-ghi_~+/=' }))).toEqual({
      kind: 'bearer',
      token: 'abc.def-ghi_~+/=',
      scheme: 'Bearer',
    });
    expect(bearerCredentialsOf(request({ authorization: 'bearer xyz' }))).toEqual({ kind: 'bearer', token: 'xyz', scheme: 'Bearer' });
  });

  it('reads a token presented with the DPoP scheme (RFC 9449 §7.1), in any case, and says so', () => {
    expect(bearerCredentialsOf(request({ authorization: 'DPoP abc.def' }))).toEqual({ kind: 'bearer', token: 'abc.def', scheme: 'DPoP' });
    expect(bearerCredentialsOf(request({ authorization: 'dpop xyz' }))).toEqual({ kind: 'bearer', token: 'xyz', scheme: 'DPoP' });
  });

  it('reports a missing header as missing', () => {
    expect(bearerCredentialsOf(request({}))).toEqual({ kind: 'missing' });
  });

  it.each(['Basic abc', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer a"b', 'Token abc', 'DPoP', 'DPoPx abc'])(
    'reports %j as malformed',
    (header) => {
      expect(bearerCredentialsOf(request({ authorization: header })).kind).toBe('malformed');
    },
  );

  it('refuses a token in the query string, even beside a valid header', () => {
    const credentials = bearerCredentialsOf(request({ authorization: 'Bearer abc' }, '/mcp?access_token=abc'));
    expect(credentials).toEqual({ kind: 'malformed', reason: 'Access tokens are accepted only in the Authorization header' });
  });

  it('refuses two Authorization headers (Node would silently keep the first)', () => {
    const req = {
      headers: { authorization: 'Bearer abc' },
      rawHeaders: ['Authorization', 'Bearer abc', 'authorization', 'Bearer def'],
      url: '/mcp',
    } as unknown as IncomingMessage;
    expect(bearerCredentialsOf(req)).toEqual({ kind: 'malformed', reason: 'The request has more than one Authorization header' });
  });

  it('refuses an oversized header', () => {
    expect(bearerCredentialsOf(request({ authorization: `Bearer ${'a'.repeat(20_000)}` })).kind).toBe('malformed');
  });

  it('remembers the result on the request', () => {
    const req = request({ authorization: 'Bearer abc' });
    expect(bearerCredentialsOf(req)).toBe(bearerCredentialsOf(req));
  });
});
