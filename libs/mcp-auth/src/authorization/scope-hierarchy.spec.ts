import type { McpPrincipal } from '../authentication/principal.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { expandScopes, resolveScopeHierarchy, withoutImpliedScopes } from './scope-hierarchy.js';
import { ScopePolicy } from './scope-policy.js';

const hierarchy = resolveScopeHierarchy({ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'], 'Reports.All': ['Reports.Read'] });

describe('scope hierarchy', () => {
  it('implies narrower scopes transitively', () => {
    expect([...hierarchy.implied('Admin.Write')].sort()).toEqual(['User.Read', 'User.Write']);
    expect([...hierarchy.implied('User.Write')]).toEqual(['User.Read']);
    expect([...hierarchy.implied('User.Read')]).toEqual([]);
    expect([...hierarchy.implied('Unknown')]).toEqual([]);
  });

  it('expands granted scopes with everything they imply', () => {
    expect([...expandScopes(['Admin.Write', 'Other'], hierarchy)].sort()).toEqual(['Admin.Write', 'Other', 'User.Read', 'User.Write']);
  });

  it('names every scope it mentions once', () => {
    expect(hierarchy.scopes).toEqual(['Admin.Write', 'User.Write', 'Reports.All', 'User.Read', 'Reports.Read']);
  });

  it('drops from a challenge the scopes another named scope implies', () => {
    expect(withoutImpliedScopes(['User.Read', 'Admin.Write', 'Reports.Read'], hierarchy)).toEqual(['Admin.Write', 'Reports.Read']);
    expect(withoutImpliedScopes(['User.Read'], hierarchy)).toEqual(['User.Read']);
  });

  it.each([
    [{ A: ['A'] }, 'has a cycle: A → A'],
    [{ A: ['B'], B: ['C'], C: ['A'] }, 'has a cycle: A → B → C → A'],
    [{ X: ['Y'], A: ['B'], B: ['A'] }, 'has a cycle: A → B → A'],
  ])('rejects the cycle in %j at startup', (options, message) => {
    expect(() => resolveScopeHierarchy(options)).toThrow(McpAuthConfigurationError);
    expect(() => resolveScopeHierarchy(options)).toThrow(`McpAuthModule: option "scopeHierarchy" ${message}; a scope cannot imply itself`);
  });

  it.each([[['A']], [{ A: 'B' }], [{ 'has space': ['B'] }], [{ A: ['ok', 3] }]])('rejects the malformed hierarchy %j', (options) => {
    expect(() => resolveScopeHierarchy(options as never)).toThrow(/option "scopeHierarchy"/);
  });
});

describe('ScopePolicy with a hierarchy', () => {
  const policy = new ScopePolicy({ scopeHierarchy: hierarchy });
  const principal = (scopes: string[]): McpPrincipal => ({ sub: 's', id: 's', issuer: 'https://idp', scopes, claims: {} });

  it('lets a broader scope satisfy a narrower requirement, for listing and calling alike', () => {
    expect(policy.decide(principal(['Admin.Write']), [{ allOf: ['User.Read'] }])).toEqual({ allowed: true });
    expect(policy.decide(principal(['User.Write']), [{ anyOf: ['User.Read', 'Nope'] }])).toEqual({ allowed: true });
  });

  it('L6 advertises a minimal baseline: the configured one, else the scopes that imply no other', () => {
    const mentioned = ['User.Read', 'User.Write', 'Admin.Write', 'Reports.Read', 'offline_access'];
    expect(policy.baselineScopes(mentioned)).toEqual(['User.Read', 'Reports.Read']);
    expect(new ScopePolicy({ scopeHierarchy: hierarchy, baselineScopes: ['User.Write'] }).baselineScopes(mentioned)).toEqual([
      'User.Write',
    ]);
    // Without a hierarchy the library cannot tell broad from narrow: every declared scope, as before.
    expect(new ScopePolicy({ scopeHierarchy: undefined as never }).baselineScopes(['User.Read', 'Admin.Write'])).toEqual([
      'User.Read',
      'Admin.Write',
    ]);
  });

  it('never lets a narrower scope satisfy a broader one', () => {
    expect(policy.decide(principal(['User.Read']), [{ allOf: ['User.Write'] }])).toEqual({
      allowed: false,
      scopesToRequest: ['User.Write'],
    });
  });

  it('asks for the smallest sufficient set in a challenge', () => {
    expect(policy.decide(principal([]), [{ allOf: ['User.Read'] }, { allOf: ['Admin.Write'] }])).toEqual({
      allowed: false,
      scopesToRequest: ['Admin.Write'],
    });
  });

  it('adds the hierarchy scopes to the advertised ones', () => {
    expect(policy.supportedScopes(['User.Read', 'Tool.Only'])).toEqual([
      'User.Read',
      'Tool.Only',
      'Admin.Write',
      'User.Write',
      'Reports.All',
      'Reports.Read',
    ]);
  });
});
