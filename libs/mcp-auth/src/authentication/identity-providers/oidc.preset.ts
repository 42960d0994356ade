import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import type { ClaimsToScopes } from '../claims-to-scopes.js';
import type { McpIssuerOptions } from './issuer-options.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import { presetUrl } from './preset-validation.js';
import type { McpDownstreamOptions } from '../../downstream/downstream.options.js';

/** Options of the {@link oidc} preset. */
export interface OidcPresetOptions {
  /** The issuer identifier, exactly as tokens carry it in `iss`. */
  issuer: string;
  /** Accepted `aud` values. Default: the module's `resourceUrl`. */
  audience?: string | string[];
  /** Where the keys are. Default: `jwks_uri` from `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Claims to scopes. Default: the module's `claimsToScopes`. */
  claimsToScopes?: ClaimsToScopes;
  /** Require the RFC 9068 header `typ: at+jwt` (see {@link McpIssuerOptions.requireAtJwt}). Default false. */
  requireAtJwt?: boolean;
  /** Tokens for downstream APIs (RFC 8693 token exchange unless `flow` says otherwise). */
  downstream?: McpDownstreamOptions;
  /**
   * DPoP-bound tokens (RFC 9449): `'allowed'` or `'required'`, or `'off'`. Default: the module's `dpop.mode`.
   * See docs/dpop.md for turning it on at the identity provider.
   */
  dpop?: DpopMode;
}

/**
 * Any OpenID Connect issuer: keys from its discovery document (whose `issuer` must
 * match), scopes from `scope`/`scp`.
 *
 * @example
 * ```ts
 * issuers: [oidc({ issuer: 'https://auth.example.com', audience: 'https://api.example.com/mcp' })]
 * ```
 */
export function oidc(options: OidcPresetOptions): McpIssuerOptions {
  if (!options || typeof options !== 'object') throw new McpAuthConfigurationError('oidc()', 'needs { issuer }');
  // The issuer is compared byte for byte with `iss`: keep it exactly as given.
  presetUrl('oidc({ issuer })', options.issuer);
  return {
    name: 'oidc',
    issuer: options.issuer,
    audience: options.audience,
    jwksUri: options.jwksUri,
    claimsToScopes: options.claimsToScopes,
    requireAtJwt: options.requireAtJwt,
    ...(options.dpop !== undefined ? { dpop: options.dpop } : {}),
    ...(options.downstream !== undefined ? { downstream: options.downstream } : {}),
  };
}
