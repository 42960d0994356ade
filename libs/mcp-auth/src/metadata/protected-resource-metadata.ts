import { Inject, Injectable } from '@nestjs/common';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { IssuerRegistry } from '../authentication/identity-providers/issuer-registry.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { declaredExtensions } from './enterprise-managed-authorization.js';

/** The OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2) this server publishes. */
export interface ProtectedResourceMetadata {
  resource: string;
  /** Left out when the server accepts only API keys (there is no authorization server). */
  authorization_servers?: string[];
  bearer_methods_supported: ['header'];
  scopes_supported?: string[];
  resource_name?: string;
  /** RFC 9728 §2: the algorithms DPoP proofs may be signed with; only when some issuer's tokens may be DPoP-bound. */
  dpop_signing_alg_values_supported?: string[];
  /** RFC 9728 §2: true when every access token must be DPoP-bound; given whenever DPoP is accepted. */
  dpop_bound_access_tokens_required?: boolean;
  /**
   * The MCP extensions this resource declares (e.g. `io.modelcontextprotocol/enterprise-managed-authorization`).
   * An additional metadata parameter (RFC 9728 §2 allows them): the extension asks servers to declare
   * itself in their authorization metadata without naming a field, so this name is the library's choice;
   * `capabilities.extensions` of `server/discover` is the specification's own place.
   */
  mcp_extensions_supported?: string[];
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** Builds the metadata once the tools are known; the document never changes afterwards. */
@Injectable()
export class ProtectedResourceMetadataService {
  private document?: string;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly catalogue: ToolCatalogue,
    private readonly policy: ScopePolicy,
    private readonly issuers: IssuerRegistry,
  ) {}

  /**
   * Is the document published at this request path? At the root location, and at the
   * path-suffixed location of the resource URL (RFC 9728 §3.1) or of the local endpoint path.
   */
  isServedAt(path: string, endpointPath: string): boolean {
    return (
      path === WELL_KNOWN ||
      path === new URL(this.options.resourceMetadataUrl).pathname ||
      path === `${WELL_KNOWN}${endpointPath === '/' ? '' : endpointPath}`
    );
  }

  /** The document, serialised once. Empty fields are left out, as RFC 9728 asks. */
  json(): string {
    return (this.document ??= JSON.stringify(this.build()));
  }

  build(): ProtectedResourceMetadata {
    // The baseline only: clients request exactly these on first use, and step-up asks for the rest.
    const supported = this.policy.baselineScopes(this.catalogue.scopesSupported);
    // As clients must request them from their issuer (Entra: api://<app>/<scope>); tools keep the short names.
    const scopes = this.issuers.advertised(supported);
    const extensions = Object.keys(declaredExtensions(this.options));
    return {
      resource: this.options.resourceUrl,
      ...(this.issuers.authorizationServers.length > 0 ? { authorization_servers: this.issuers.authorizationServers } : {}),
      bearer_methods_supported: ['header'],
      ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
      ...(this.options.resourceName ? { resource_name: this.options.resourceName } : {}),
      ...(this.options.dpop.accepted
        ? {
            dpop_signing_alg_values_supported: [...this.options.dpop.algorithms],
            dpop_bound_access_tokens_required: this.options.dpop.required,
          }
        : {}),
      ...(extensions.length > 0 ? { mcp_extensions_supported: extensions } : {}),
    };
  }
}
