import type { McpPrincipal } from '../authentication/principal.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpAuthOptions } from '../mcp-auth.options.js';
import { resolveOptions } from '../resolve-options.js';
import { resolveScopeHierarchy } from './scope-hierarchy.js';
import { REQUIRED_SCOPES_META_KEY, withRequiredScopes } from './listing.js';
import { ScopePolicy } from './scope-policy.js';

const scopeHierarchy = resolveScopeHierarchy({ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] });
const reader: McpPrincipal = { sub: 's', id: 's', issuer: 'https://idp', scopes: ['User.Read'], claims: {} };
const adminOnly = [{ allOf: ['Admin.Write'] }];

describe('listing', () => {
  it("'granted' (the default) lists only what the caller may use", () => {
    for (const policy of [new ScopePolicy({ scopeHierarchy }), new ScopePolicy({ scopeHierarchy, listing: 'granted' })]) {
      expect(policy.lists(reader, [{ allOf: ['User.Read'] }])).toBe(true);
      expect(policy.lists(reader, adminOnly)).toBe(false);
    }
  });

  it("'all' lists everything, whatever the caller holds", () => {
    const policy = new ScopePolicy({ scopeHierarchy, listing: 'all' });
    expect(policy.lists(reader, adminOnly)).toBe(true);
    expect(policy.lists({ ...reader, scopes: [] }, [{ anyOf: ['User.Write', 'Admin.Write'] }])).toBe(true);
    // Listing is not calling: the call is still refused.
    expect(policy.decide(reader, adminOnly)).toEqual({ allowed: false, scopesToRequest: ['Admin.Write'] });
  });

  it('names the scopes an entry needs as its challenge would: first any-of alternative, implied scopes folded', () => {
    const policy = new ScopePolicy({ scopeHierarchy, listing: 'all' });
    expect(policy.requiredScopes([{ allOf: ['User.Read'] }, { allOf: ['Admin.Write'] }])).toEqual(['Admin.Write']);
    expect(policy.requiredScopes([{ anyOf: ['User.Write', 'Admin.Write'] }])).toEqual(['User.Write']);
    expect(policy.requiredScopes([])).toEqual([]);
  });

  it('puts the scopes in _meta under a reverse-DNS key, keeping other _meta entries', () => {
    expect(REQUIRED_SCOPES_META_KEY).toMatch(
      /^([a-z][a-z0-9-]*[a-z0-9]\.)+[a-z][a-z0-9-]*[a-z0-9]\/[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/,
    );
    const definition = { name: 'delete_product', _meta: { 'com.example/owner': 'shop' } };
    expect(withRequiredScopes(definition, ['Admin.Write'])).toEqual({
      name: 'delete_product',
      _meta: { 'com.example/owner': 'shop', 'io.github.nestjs-mcp-auth/requiredScopes': ['Admin.Write'] },
    });
    expect(definition._meta).toEqual({ 'com.example/owner': 'shop' });
  });
});

describe('the listing option', () => {
  const base: McpAuthOptions = {
    issuer: 'https://idp.example',
    resourceUrl: 'https://api.example/mcp',
    jwksUri: 'https://idp.example/jwks',
  };

  it("defaults to 'granted' and accepts 'all'", async () => {
    expect((await resolveOptions(base, '/mcp')).listing).toBe('granted');
    expect((await resolveOptions({ ...base, listing: 'all' }, '/mcp')).listing).toBe('all');
  });

  it('refuses anything else at startup, naming the option and the choices', async () => {
    const attempt = resolveOptions({ ...base, listing: 'everything' as never }, '/mcp');
    await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
    await expect(attempt).rejects.toThrow(`option "listing" must be 'granted' or 'all' (got "everything")`);
  });
});
