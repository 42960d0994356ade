import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';
import { chooseVerification, resolveIntrospection } from './resolve-credentials.js';
import { resolveOptions } from './resolve-options.js';

const issuer = 'https://issuer.example';
const secret = 's'.repeat(32);

describe('chooseVerification', () => {
  it('defaults to JWKS, discovered unless jwksUri is given', () => {
    expect(chooseVerification({ issuer }, 'issuer', false)).toEqual({ kind: 'jwks', needsDiscovery: true });
    expect(chooseVerification({ issuer, jwksUri: 'https://issuer.example/jwks' }, 'issuer', false)).toEqual({
      kind: 'jwks',
      needsDiscovery: false,
    });
  });

  it('pins a shared secret of 32 bytes or more, without discovery', () => {
    expect(chooseVerification({ issuer, sharedSecret: secret }, 'issuer', false)).toEqual({
      kind: 'shared-secret',
      secret: Buffer.from(secret),
      needsDiscovery: false,
    });
  });

  it('counts bytes, not characters, for the minimum length', () => {
    expect(() => chooseVerification({ issuer, sharedSecret: 'é'.repeat(15) }, 'issuer', false)).toThrow(/at least 32 bytes/);
    expect(chooseVerification({ issuer, sharedSecret: 'é'.repeat(16) }, 'issuer', false).kind).toBe('shared-secret');
  });

  it.each([
    [{ jwksUri: 'https://issuer.example/jwks' }, false, 'jwksUri'],
    [{}, true, 'algorithms'],
    [{ introspection: { clientId: 'rs', clientSecret: 'x' } }, false, 'introspection'],
  ])('refuses a shared secret combined with %j (module algorithms: %s)', (extra, algorithms, option) => {
    expect(() => chooseVerification({ issuer, sharedSecret: secret, ...extra }, 'issuer', algorithms)).toThrow(
      new McpAuthConfigurationError(
        'sharedSecret',
        `cannot be combined with "${option}" for the same issuer: an issuer signs either with a shared secret (HS256) or with its own keys`,
      ),
    );
  });

  it('names the entry of "issuers" in its messages', () => {
    expect(() => chooseVerification({ issuer, sharedSecret: 'short' }, 'issuers[1]', false)).toThrow(/option "issuers\[1\].sharedSecret"/);
  });

  it('introspects instead of verifying JWTs, discovering the endpoint when not given', () => {
    const introspection = { clientId: 'rs', clientSecret: 'x' };
    expect(chooseVerification({ issuer, introspection }, 'issuer', false)).toEqual({
      kind: 'introspection',
      options: introspection,
      needsDiscovery: true,
    });
    expect(() => chooseVerification({ issuer, introspection, jwksUri: 'https://j' }, 'issuer', false)).toThrow(/introspection/);
  });
});

describe('resolveIntrospection', () => {
  it('fills in defaults and takes the endpoint from discovery', () => {
    const resolved = resolveIntrospection({ clientId: 'rs', clientSecret: 'x' }, 'issuer', {
      issuer,
      jwks_uri: 'https://issuer.example/jwks',
      introspection_endpoint: 'https://issuer.example/introspect',
    });
    expect(resolved).toEqual({
      endpoint: 'https://issuer.example/introspect',
      clientId: 'rs',
      clientSecret: 'x',
      clientAuthMethod: 'client_secret_basic',
      cacheMaxSeconds: 60,
      cacheMaxEntries: 10_000,
      timeoutMs: 5_000,
    });
  });

  it('names the missing piece', () => {
    expect(() => resolveIntrospection({ clientId: '', clientSecret: 'x' }, 'issuer', undefined)).toThrow(/"introspection.clientId"/);
    expect(() => resolveIntrospection({ clientId: 'rs', clientSecret: 'x' }, 'issuers[0]', undefined)).toThrow(
      /"issuers\[0\].introspection.endpoint"/,
    );
    expect(() =>
      resolveIntrospection({ clientId: 'rs', clientSecret: 'x', endpoint: 'https://i', cacheMaxSeconds: -1 }, 'issuer', undefined),
    ).toThrow(/cacheMaxSeconds/);
  });
});

describe('resolveOptions with API keys', () => {
  const resourceUrl = 'https://api.example/mcp';

  it('needs no issuer when API keys are the only way in', async () => {
    const resolved = await resolveOptions({ resourceUrl, apiKeys: { keys: [] } }, '/mcp');
    expect(resolved.issuers).toEqual([]);
    expect(resolved.issuer).toBe('');
  });

  it('still needs an issuer without API keys, and the top-level credential options need the top-level issuer', async () => {
    await expect(resolveOptions({ resourceUrl }, '/mcp')).rejects.toThrow(/"issuer" is required/);
    await expect(resolveOptions({ resourceUrl, apiKeys: { keys: [] }, sharedSecret: secret }, '/mcp')).rejects.toThrow(
      /option "sharedSecret" belongs to the top-level "issuer"/,
    );
  });
});
