import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { auth0ClaimsToScopes, rolesAsScopesOption } from '../claims-to-scopes.js';
import type { RolesAsScopes } from '../claims-to-scopes.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import type { McpIssuerOptions } from './issuer-options.js';
import { presetDownstream, presetUrl } from './preset-validation.js';
import type { PresetDownstreamOptions } from './preset-validation.js';

/** Options of the {@link auth0} preset. */
export interface Auth0PresetOptions {
  /** The tenant's domain, `acme.eu.auth0.com`, or its custom domain (`https://login.acme.com`). */
  domain: string;
  /** The API's Identifier in Auth0 (the audience its tokens carry). Default: the module's `resourceUrl`. */
  audience?: string | string[];
  /**
   * When the API's RBAC `permissions` claim counts: `'app-only'` (default) for tokens without
   * `scope` only; `'always'` lets a user's permissions widen every client's token. See docs/auth0.md.
   */
  permissionsAsScopes?: RolesAsScopes;
  /** Where the keys are. Default: discovered (`https://<domain>/.well-known/jwks.json`). */
  jwksUri?: string;
  /**
   * Tokens for downstream APIs through Auth0's token exchange (RFC 8693): On-Behalf-Of Token
   * Exchange with this server's Custom API client, or Custom Token Exchange with a profile
   * (`subjectTokenType: 'urn:acme:mcp-access-token'`). Tools ask `ctx.tokenFor({ audience: '<API identifier>', scopes })`.
   */
  downstream?: PresetDownstreamOptions;
  /**
   * DPoP-bound tokens (RFC 9449): `'allowed'` or `'required'`, or `'off'`. Default: the module's `dpop.mode`.
   * See docs/dpop.md for turning it on at the identity provider.
   */
  dpop?: DpopMode;
}

/**
 * Auth0: issuer `https://<domain>/` (with its trailing slash, as Auth0 writes it), keys
 * discovered, permissions from `scope` (and the RBAC `permissions` list for tokens without
 * `scope`), the client from `azp` (or `client_id` with the RFC 9068 token profile).
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ resourceUrl: 'https://api.example.com/mcp', issuers: [auth0({ domain: 'acme.eu.auth0.com' })] })
 * ```
 */
export function auth0(options: Auth0PresetOptions): McpIssuerOptions {
  if (!options || typeof options !== 'object') throw new McpAuthConfigurationError('auth0()', 'needs { domain }');
  const raw = typeof options.domain === 'string' && !/^https?:\/\//.test(options.domain) ? `https://${options.domain}` : options.domain;
  const base = presetUrl('auth0({ domain })', raw);
  if (new URL(base).pathname !== '/') {
    throw new McpAuthConfigurationError(
      'auth0({ domain })',
      `must be the tenant's domain without a path, e.g. acme.eu.auth0.com (got ${JSON.stringify(options.domain)})`,
    );
  }
  return {
    name: 'auth0',
    // Auth0's `iss` ends with a slash; issuers are compared byte for byte.
    issuer: `${base}/`,
    audience: options.audience,
    jwksUri: options.jwksUri,
    claimsToScopes: auth0ClaimsToScopes(rolesAsScopesOption('auth0({ permissionsAsScopes })', options.permissionsAsScopes)),
    audienceHint:
      "Auth0 tokens arrive without this server in aud: clients must ask for the API's audience (its Identifier = this server's resource URL), or the tenant must map the resource parameter to the audience; see docs/auth0.md",
    ...(options.dpop !== undefined ? { dpop: options.dpop } : {}),
    ...presetDownstream('auth0({ downstream })', options.downstream, { flow: 'token-exchange' }),
  };
}
