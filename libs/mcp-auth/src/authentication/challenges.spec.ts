import { ScopePolicy } from '../authorization/scope-policy.js';
import { FLAT_SCOPE_HIERARCHY } from '../authorization/scope-hierarchy.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import { Challenges } from './challenges.js';
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
});
