import { ScopePolicy } from '../authorization/scope-policy.js';
import { FLAT_SCOPE_HIERARCHY } from '../authorization/scope-hierarchy.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import { Challenges } from './challenges.js';
import { DpopRejection } from './dpop/dpop-rejection.js';
import { TokenRejection } from './token-rejection.js';
import type { IssuerRegistry } from './identity-providers/issuer-registry.js';

describe('Challenges', () => {
  const metadata = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
  const challenges = new Challenges(
    { resourceMetadataUrl: metadata } as ResolvedMcpAuthOptions,
    { scopesSupported: ['User.Read', 'Admin.Write'] } as unknown as ToolCatalogue,
    { advertised: (scopes: readonly string[]) => [...scopes] } as unknown as IssuerRegistry,
    new ScopePolicy({ scopeHierarchy: FLAT_SCOPE_HIERARCHY, baselineScopes: ['User.Read'] }),
  );

  it('M1 names a registered tool, resource or prompt in the 403 description', () => {
    expect(challenges.insufficientScope(['Admin.Write'], 'Tool delete_product').wwwAuthenticate).toBe(
      `Bearer error="insufficient_scope", error_description="Tool delete_product requires scope: Admin.Write", scope="Admin.Write", resource_metadata="${metadata}"`,
    );
  });

  it('M1 never echoes anything else a caller could have sent (a URI), in the header or the body', () => {
    const refusal = challenges.insufficientScope(
      ['User.Read'],
      'Resource products://items/1 resource_metadata=http:evil scope=Admin.Write',
    );
    expect(refusal.wwwAuthenticate).toBe(
      `Bearer error="insufficient_scope", error_description="This operation requires scope: User.Read", scope="User.Read", resource_metadata="${metadata}"`,
    );
    expect(JSON.stringify(refusal.getResponse())).not.toContain('evil');
  });

  it('L6 hints the baseline scopes in the first 401', () => {
    expect(challenges.missingToken().wwwAuthenticate).toBe(`Bearer scope="User.Read", resource_metadata="${metadata}"`);
  });

  describe('with DPoP accepted beside Bearer', () => {
    const dpopChallenges = new Challenges(
      {
        resourceMetadataUrl: metadata,
        dpop: { accepted: true, required: false, algorithms: ['ES256', 'PS256'] },
      } as unknown as ResolvedMcpAuthOptions,
      { scopesSupported: ['User.Read'] } as unknown as ToolCatalogue,
      { advertised: (scopes: readonly string[]) => [...scopes] } as unknown as IssuerRegistry,
      new ScopePolicy({ scopeHierarchy: FLAT_SCOPE_HIERARCHY, baselineScopes: ['User.Read'] }),
    );

    it('names both schemes in the first 401, Bearer first, resource_metadata and scope on each', () => {
      expect(dpopChallenges.missingToken().wwwAuthenticate).toBe(
        `Bearer scope="User.Read", resource_metadata="${metadata}", DPoP scope="User.Read", resource_metadata="${metadata}", algs="ES256 PS256"`,
      );
    });

    it('answers a proof refusal on the DPoP challenge, with its nonce header', () => {
      const refusal = dpopChallenges.dpopRefused(new DpopRejection('dpop_nonce_required'), 'DPoP', { 'DPoP-Nonce': 'n.1' });
      expect(refusal.getStatus()).toBe(401);
      expect(refusal.wwwAuthenticate).toBe(
        `DPoP error="use_dpop_nonce", error_description="This server requires a nonce in the DPoP proof", resource_metadata="${metadata}", algs="ES256 PS256"`,
      );
      expect(refusal.headers).toEqual({ 'DPoP-Nonce': 'n.1' });
    });

    it('answers a bearer token refusal on the Bearer challenge alone, as without DPoP', () => {
      expect(dpopChallenges.invalidToken(new TokenRejection('expired')).wwwAuthenticate).toBe(
        `Bearer error="invalid_token", error_description="The access token expired", resource_metadata="${metadata}"`,
      );
    });

    it('answers a bound token sent as Bearer on the Bearer challenge, naming DPoP after it', () => {
      expect(dpopChallenges.dpopRefused(new DpopRejection('dpop_bound_token_as_bearer'), 'Bearer').wwwAuthenticate).toMatch(
        /^Bearer error="invalid_token", error_description="The access token is bound to a DPoP key[^"]*", resource_metadata="[^"]+", DPoP resource_metadata="[^"]+", algs="ES256 PS256"$/,
      );
    });
  });

  it('names DPoP alone where every issuer requires it', () => {
    const only = new Challenges(
      {
        resourceMetadataUrl: metadata,
        dpop: { accepted: true, required: true, algorithms: ['ES256'] },
      } as unknown as ResolvedMcpAuthOptions,
      { scopesSupported: ['User.Read'] } as unknown as ToolCatalogue,
      { advertised: (scopes: readonly string[]) => [...scopes] } as unknown as IssuerRegistry,
      new ScopePolicy({ scopeHierarchy: FLAT_SCOPE_HIERARCHY, baselineScopes: ['User.Read'] }),
    );
    expect(only.missingToken().wwwAuthenticate).toBe(`DPoP scope="User.Read", resource_metadata="${metadata}", algs="ES256"`);
  });
});
