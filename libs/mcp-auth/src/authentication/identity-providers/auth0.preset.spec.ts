import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { auth0 } from './auth0.preset.js';

describe('auth0()', () => {
  const preset = auth0({ domain: 'acme.eu.auth0.com' });

  it('trusts the tenant issuer with its trailing slash; a custom domain works the same', () => {
    expect(preset).toMatchObject({ name: 'auth0', issuer: 'https://acme.eu.auth0.com/', audience: undefined });
    expect(auth0({ domain: 'https://login.acme.com/', audience: 'https://api.acme.com' })).toMatchObject({
      issuer: 'https://login.acme.com/',
      audience: 'https://api.acme.com',
    });
  });

  it.each([
    [
      'delegated: scope only, however many permissions the user holds',
      { scope: 'openid read:stock', permissions: ['read:stock', 'delete:stock'] },
      ['openid', 'read:stock'],
    ],
    ['app-only (no scope): the RBAC permissions', { permissions: ['read:stock'], gty: 'client-credentials' }, ['read:stock']],
  ])('maps %s', (_case, claims, scopes) => {
    expect(preset.claimsToScopes!(claims)).toEqual(scopes);
  });

  it('counts permissions of every token only with permissionsAsScopes always', () => {
    expect(
      auth0({ domain: 'acme.eu.auth0.com', permissionsAsScopes: 'always' }).claimsToScopes!({
        scope: 'openid',
        permissions: ['delete:stock'],
      }),
    ).toEqual(['openid', 'delete:stock']);
  });

  it('fills in RFC 8693 token exchange, with a custom token exchange profile when given', () => {
    expect(
      auth0({ domain: 'acme.eu.auth0.com', downstream: { clientId: 'api-client', clientSecret: 's', subjectTokenType: 'urn:acme:mcp' } })
        .downstream,
    ).toEqual({ flow: 'token-exchange', clientId: 'api-client', clientSecret: 's', subjectTokenType: 'urn:acme:mcp' });
  });

  it.each([
    [{ domain: 'https://acme.eu.auth0.com/tenant' }, 'auth0({ domain })'],
    [{ domain: 42 }, 'auth0({ domain })'],
    [{ domain: 'acme.eu.auth0.com', permissionsAsScopes: 'yes' }, 'auth0({ permissionsAsScopes })'],
  ])('refuses %j naming %s', (options, option) => {
    expect(() => auth0(options as never)).toThrow(McpAuthConfigurationError);
    expect(() => auth0(options as never)).toThrow(`option "${option}"`);
  });
});
