import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { clientIdOf } from '../principal.js';
import { okta } from './okta.preset.js';

describe('okta()', () => {
  const preset = okta({ domain: 'https://acme.okta.com/' });

  it('trusts the default custom authorization server, keys discovered, audience left to the module', () => {
    expect(preset).toMatchObject({ name: 'okta', issuer: 'https://acme.okta.com/oauth2/default', audience: undefined, jwksUri: undefined });
    expect(okta({ domain: 'https://acme.okta.com', authorizationServerId: 'aus1a2b3c4d5', audience: 'api://catalog' })).toMatchObject({
      issuer: 'https://acme.okta.com/oauth2/aus1a2b3c4d5',
      audience: 'api://catalog',
    });
  });

  it('maps the scp list (never groups) and keys a user by uid, a service by sub, the client by cid', () => {
    const user = { scp: ['openid', 'User.Read'], groups: ['Admin.Write'], uid: '00u1', sub: 'ada@example.com', cid: '0oa1' };
    expect(preset.claimsToScopes!(user)).toEqual(['openid', 'User.Read']);
    expect(preset.subjectOf!(user)).toBe('00u1');
    expect(clientIdOf(user)).toBe('0oa1');
    // Client credentials: no uid, sub is the client id.
    expect(preset.subjectOf!({ scp: ['User.Read'], sub: '0oa9', cid: '0oa9' })).toBe('0oa9');
  });

  it('introspects the org authorization server, which it refuses to trust without introspection', () => {
    expect(() => okta({ domain: 'https://acme.okta.com', authorizationServerId: 'org' })).toThrow(
      /okta\(\{ introspection \}\)" is required/,
    );
    const org = okta({
      domain: 'https://acme.okta.com',
      authorizationServerId: 'org',
      introspection: { clientId: 'c', clientSecret: 's' },
    });
    expect(org).toMatchObject({ issuer: 'https://acme.okta.com', introspection: { clientId: 'c' } });
  });

  it('fills in token exchange (RFC 8693) for downstream tokens', () => {
    expect(okta({ domain: 'https://acme.okta.com', downstream: { clientId: 'svc', clientSecret: 'secret' } }).downstream).toEqual({
      flow: 'token-exchange',
      clientId: 'svc',
      clientSecret: 'secret',
    });
  });

  it.each([
    [{ domain: 'acme.okta.com' }, 'okta({ domain })'],
    [{ domain: 'https://acme.okta.com/oauth2/default' }, 'okta({ domain })'],
    [{ domain: 'https://acme.okta.com', authorizationServerId: 'a/b' }, 'okta({ authorizationServerId })'],
    [
      { domain: 'https://acme.okta.com', downstream: { flow: 'entra-on-behalf-of', clientId: 'x', clientSecret: 'y' } },
      'okta({ downstream })',
    ],
  ])('refuses %j naming %s', (options, option) => {
    expect(() => okta(options as never)).toThrow(McpAuthConfigurationError);
    expect(() => okta(options as never)).toThrow(`option "${option}"`);
  });
});
