import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { keycloak } from './keycloak.preset.js';

describe('keycloak()', () => {
  const preset = keycloak({ url: 'https://sso.example.com/', realm: 'acme', clientId: 'mcp-api' });

  it('derives the issuer from url and realm and leaves the keys to discovery', () => {
    expect(preset).toMatchObject({
      name: 'keycloak',
      issuer: 'https://sso.example.com/realms/acme',
      jwksUri: undefined,
      audience: undefined,
    });
  });

  it.each([
    ['scope only', { scope: 'openid User.Read' }, ['openid', 'User.Read']],
    ['realm roles of an app-only token', { realm_access: { roles: ['User.Write'] } }, ['User.Write']],
    [
      'client roles of the configured client only',
      { resource_access: { 'mcp-api': { roles: ['Admin.Write'] }, other: { roles: ['X'] } } },
      ['Admin.Write'],
    ],
    ['roles of an app-only token', { realm_access: { roles: ['b'] }, resource_access: { 'mcp-api': { roles: ['c'] } } }, ['b', 'c']],
    [
      'M3 a delegated token: its scopes, not the roles',
      { scope: 'a', realm_access: { roles: ['b'] }, resource_access: { 'mcp-api': { roles: ['c'] } } },
      ['a'],
    ],
    ['malformed role claims', { realm_access: ['x'], resource_access: { 'mcp-api': 'y' } }, []],
  ])('maps %s', (_case, claims, scopes) => {
    expect(preset.claimsToScopes!(claims)).toEqual(scopes);
  });

  it('switches realm roles and client roles off separately, and roles on for delegated tokens with rolesAsScopes always', () => {
    const claims = { realm_access: { roles: ['b'] }, resource_access: { 'mcp-api': { roles: ['c'] } } };
    expect(keycloak({ url: 'https://sso', realm: 'r', clientId: 'mcp-api', realmRoles: false }).claimsToScopes!(claims)).toEqual(['c']);
    expect(keycloak({ url: 'https://sso', realm: 'r', clientId: 'mcp-api', clientRoles: false }).claimsToScopes!(claims)).toEqual(['b']);
    const always = keycloak({ url: 'https://sso', realm: 'r', clientId: 'mcp-api', rolesAsScopes: 'always' });
    expect(always.claimsToScopes!({ scope: 'a', ...claims })).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [{ aud: 'account' }, /only audience is Keycloak's default 'account'.*add an Audience mapper/],
    [{ aud: ['account'] }, /only audience is Keycloak's default 'account'/],
    [{}, /has no audience: in Keycloak, request it with the resource parameter .* or add an Audience mapper/],
  ])('screens out %j before any key is fetched', (claims, description) => {
    const rejection = preset.screen!(claims, { alg: 'RS256' });
    expect(rejection?.code).toBe('wrong_audience');
    expect(rejection?.description).toMatch(description);
  });

  it('lets a token through that carries our audience next to account', () => {
    expect(preset.screen!({ aud: ['https://api.example.com/mcp', 'account'] }, {})).toBeUndefined();
  });

  it('refuses ID and refresh tokens, accepts access tokens and tokens without typ', () => {
    expect(preset.checkClaims!({ typ: 'ID' })?.code).toBe('invalid_claim');
    expect(preset.checkClaims!({ typ: 'Refresh' })?.code).toBe('invalid_claim');
    expect(preset.checkClaims!({ typ: 'Bearer' })).toBeUndefined();
    expect(preset.checkClaims!({})).toBeUndefined();
  });

  it.each([
    [{ url: 'sso.example.com', realm: 'acme' }, 'keycloak({ url })'],
    [{ url: 'https://sso', realm: 'a/b' }, 'keycloak({ realm })'],
    [{ url: 'https://sso', realm: 'acme', audience: 'account' }, 'keycloak({ audience })'],
    [{ url: 'https://sso', realm: 'acme', clientId: '' }, 'keycloak({ clientId })'],
    [{ url: 'https://sso', realm: 'acme', rolesAsScopes: 'yes' }, 'keycloak({ rolesAsScopes })'],
  ])('refuses %j naming %s', (options, option) => {
    expect(() => keycloak(options as never)).toThrow(McpAuthConfigurationError);
    expect(() => keycloak(options as never)).toThrow(`option "${option}"`);
  });
});
