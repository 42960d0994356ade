import { defaultClaimsToScopes, entraClaimsToScopes, keycloakClaimsToScopes } from './claims-to-scopes.js';
import { clientIdOf, principalFromClaims } from './principal.js';

describe('claims to scopes', () => {
  it('default: scope string, scp string or list; ignores wrong types', () => {
    expect(defaultClaimsToScopes({ scope: 'a  b', scp: ['c', 7] })).toEqual(['a', 'b', 'c']);
    expect(defaultClaimsToScopes({ scope: 42, scp: { x: 1 } })).toEqual([]);
  });

  it('M3 default: a delegated token is limited to its granted scopes; roles count for app-only tokens only', () => {
    const roles = { roles: ['Admin.Write'], realm_access: { roles: ['Reports.All'] } };
    expect(defaultClaimsToScopes({ scope: 'User.Read', ...roles })).toEqual(['User.Read']);
    expect(defaultClaimsToScopes({ scp: 'User.Read', ...roles })).toEqual(['User.Read']);
    expect(defaultClaimsToScopes({ scope: '', ...roles })).toEqual([]);
    expect(defaultClaimsToScopes(roles)).toEqual(['Admin.Write', 'Reports.All']);
    expect(defaultClaimsToScopes({ roles: 'f g', realm_access: 'nope' })).toEqual(['f', 'g']);
  });

  it('M3 keycloak: roles widen a token without scope claim only, unless rolesAsScopes is always', () => {
    const claims = {
      scope: 'openid User.Read',
      realm_access: { roles: ['offline_access', 'catalog-admin'] },
      resource_access: { 'mcp-api': { roles: ['Admin.Write'] }, other: { roles: ['Nope'] } },
    };
    expect(keycloakClaimsToScopes({ clientId: 'mcp-api' })(claims)).toEqual(['openid', 'User.Read']);
    const { scope: _delegated, ...appOnly } = claims;
    expect(keycloakClaimsToScopes({ clientId: 'mcp-api' })(appOnly)).toEqual(['offline_access', 'catalog-admin', 'Admin.Write']);
    expect(keycloakClaimsToScopes({ clientId: 'mcp-api', rolesAsScopes: 'always' })(claims)).toEqual([
      'openid',
      'User.Read',
      'offline_access',
      'catalog-admin',
      'Admin.Write',
    ]);
    expect(keycloakClaimsToScopes({ realmRoles: false, rolesAsScopes: 'always' })(claims)).toEqual(['openid', 'User.Read']);
  });

  it('M3 entra: delegated scp only; application roles for app-only tokens', () => {
    expect(entraClaimsToScopes({ scp: 'User.Read User.Write' })).toEqual(['User.Read', 'User.Write']);
    expect(entraClaimsToScopes({ scp: 'User.Read', roles: ['Admin.Write'] })).toEqual(['User.Read']);
    expect(entraClaimsToScopes({ roles: ['Admin.Write'] })).toEqual(['Admin.Write']);
    expect(entraClaimsToScopes({ scope: 'ignored' })).toEqual([]);
  });

  it('client id: client_id, else azp, else appid', () => {
    expect(clientIdOf({ client_id: 'a', azp: 'b', appid: 'c' })).toBe('a');
    expect(clientIdOf({ azp: 'b', appid: 'c' })).toBe('b');
    expect(clientIdOf({ appid: 'c' })).toBe('c');
    expect(clientIdOf({})).toBeUndefined();
  });

  it('builds the principal from claims', () => {
    const claims = { iss: 'https://idp', sub: 'u1', azp: 'app', exp: 123, scope: 'x' };
    expect(principalFromClaims(claims, defaultClaimsToScopes)).toEqual({
      sub: 'u1',
      id: 'u1',
      clientId: 'app',
      scopes: ['x'],
      issuer: 'https://idp',
      expiresAt: 123,
      claims,
    });
  });

  it("keys the principal by the issuer's subject derivation when it has one", () => {
    const claims = { iss: 'https://idp', sub: 'pairwise', tid: 't', oid: 'o' };
    expect(principalFromClaims(claims, defaultClaimsToScopes, (c) => `${c.tid}/${c.oid}`)).toMatchObject({ sub: 'pairwise', id: 't/o' });
  });
});
