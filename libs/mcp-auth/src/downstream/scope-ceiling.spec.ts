import { scopesBeyondRequest } from './scope-ceiling.js';

/** An unsigned JWT with these claims (the ceiling reads a token it is not the audience of, unverified). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const OPAQUE = 'an-opaque-reference-token';

describe('scopesBeyondRequest: a downstream token never carries more than was asked', () => {
  it('names what the response grants beyond the request', () => {
    expect(scopesBeyondRequest(['stock:read'], 'stock:read stock:write', OPAQUE, 'inventory-api')).toEqual(['stock:write']);
    expect(scopesBeyondRequest(['stock:read'], 'admin', OPAQUE, undefined)).toEqual(['admin']);
  });

  it('finds nothing beyond when the response grants what was asked, or less', () => {
    expect(scopesBeyondRequest(['stock:read', 'stock:list'], 'stock:read stock:list', OPAQUE, 'inventory-api')).toEqual([]);
    expect(scopesBeyondRequest(['stock:read', 'stock:list'], 'stock:read', OPAQUE, 'inventory-api')).toEqual([]);
    expect(scopesBeyondRequest(['stock:read'], '', OPAQUE, 'inventory-api')).toEqual([]);
  });

  it('does not count sign-in scopes (openid, profile, email, offline_access, …)', () => {
    expect(scopesBeyondRequest(['stock:read'], 'openid profile email offline_access address phone stock:read', OPAQUE, 'api')).toEqual([]);
  });

  it('reads the token itself when the response names no scope: its scope claim (string)', () => {
    expect(scopesBeyondRequest(['stock:read'], undefined, jwt({ scope: 'stock:read stock:write' }), 'inventory-api')).toEqual([
      'stock:write',
    ]);
    expect(scopesBeyondRequest(['stock:read'], undefined, jwt({ scope: 'stock:read' }), 'inventory-api')).toEqual([]);
  });

  it('reads the token itself when the response names no scope: its scp claim (Okta list, Entra string)', () => {
    expect(scopesBeyondRequest(['stock:read'], undefined, jwt({ scp: ['stock:read', 'stock:admin', 7] }), 'api')).toEqual(['stock:admin']);
    expect(scopesBeyondRequest(['stock:read'], undefined, jwt({ scp: 'stock:read Directory.ReadWrite.All' }), 'api')).toEqual([
      'Directory.ReadWrite.All',
    ]);
  });

  it("prefers the response's scope to the token's claims when both are there", () => {
    expect(scopesBeyondRequest(['stock:read'], 'stock:read', jwt({ scope: 'stock:read stock:write' }), 'api')).toEqual([]);
    expect(scopesBeyondRequest(['stock:read'], 'stock:read stock:write', jwt({ scope: 'stock:read' }), 'api')).toEqual(['stock:write']);
  });

  it('has nothing to check for an opaque token without a scope in the response', () => {
    expect(scopesBeyondRequest(['stock:read'], undefined, OPAQUE, 'inventory-api')).toEqual([]);
  });

  it('sets no ceiling when no scope was asked (the API’s defaults were asked for)', () => {
    expect(scopesBeyondRequest([], 'stock:read stock:write admin', OPAQUE, 'inventory-api')).toEqual([]);
  });

  it('matches scopes written with or without the API prefix (Entra: api://inventory/Stock.Read)', () => {
    const api = 'api://inventory';
    expect(scopesBeyondRequest(['api://inventory/Stock.Read'], 'Stock.Read', OPAQUE, api)).toEqual([]);
    expect(scopesBeyondRequest(['Stock.Read'], 'api://inventory/Stock.Read', OPAQUE, api)).toEqual([]);
    expect(scopesBeyondRequest(['api://inventory/Stock.Read'], 'Stock.Read Stock.Write', OPAQUE, api)).toEqual(['Stock.Write']);
    expect(scopesBeyondRequest(['api://inventory/Stock.Read'], 'api://inventory/Stock.Write', OPAQUE, `${api}/`)).toEqual([
      'api://inventory/Stock.Write',
    ]);
  });

  it("counts every scope of the API as asked with Entra's <api>/.default, and nothing of another API", () => {
    const api = 'https://graph.microsoft.com';
    const asked = [`${api}/.default`];
    expect(scopesBeyondRequest(asked, 'User.Read Mail.Read', OPAQUE, api)).toEqual([]);
    expect(scopesBeyondRequest(asked, `${api}/User.Read`, OPAQUE, api)).toEqual([]);
    expect(scopesBeyondRequest(asked, 'User.Read api://inventory/Stock.Write', OPAQUE, api)).toEqual(['api://inventory/Stock.Write']);
  });
});
