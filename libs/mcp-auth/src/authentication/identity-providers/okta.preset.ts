import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { oktaClaimsToScopes } from '../claims-to-scopes.js';
import type { IntrospectionOptions } from '../introspection/introspection.options.js';
import type { JwtClaims } from '../principal.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import type { McpIssuerOptions } from './issuer-options.js';
import { presetDownstream, presetName, presetUrl } from './preset-validation.js';
import type { PresetDownstreamOptions } from './preset-validation.js';

/** Options of the {@link okta} preset. */
export interface OktaPresetOptions {
  /** The Okta org URL (or its custom domain), e.g. `https://acme.okta.com`. */
  domain: string;
  /**
   * The authorization server: a custom one by id (`default`, or `aus…`), the default; or
   * `'org'`, the org authorization server, whose access tokens are meant for Okta's own
   * APIs and can only be checked by introspection here (give `introspection`).
   */
  authorizationServerId?: string;
  /**
   * Accepted audiences: the custom authorization server's Audience setting. Default: the
   * module's `resourceUrl` (set the authorization server's audience to it). Okta's `default`
   * server ships with `api://default`: accept that only if the server protects nothing else.
   */
  audience?: string | string[];
  /** Where the keys are. Default: discovered (`<issuer>/v1/keys`). */
  jwksUri?: string;
  /** The org authorization server's tokens are introspected (`<domain>/oauth2/v1/introspect`, discovered). */
  introspection?: IntrospectionOptions;
  /**
   * Tokens for downstream APIs through Okta's on-behalf-of token exchange (RFC 8693): this
   * server's "API Services" app with the Token Exchange grant. Tools ask
   * `ctx.tokenFor({ audience: '<the downstream authorization server's audience>', scopes })`.
   */
  downstream?: PresetDownstreamOptions;
  /**
   * DPoP-bound tokens (RFC 9449): `'allowed'` or `'required'`, or `'off'`. Default: the module's `dpop.mode`.
   * See docs/dpop.md for turning it on at the identity provider.
   */
  dpop?: DpopMode;
}

/** The subject Okta's user tokens carry in `sub` is the login (it can change); `uid` is the user's id. */
function oktaSubject(claims: JwtClaims): string | undefined {
  if (typeof claims.uid === 'string' && claims.uid !== '') return claims.uid;
  return typeof claims.sub === 'string' ? claims.sub : undefined;
}

/**
 * Okta: issuer `<domain>/oauth2/<authorizationServerId>` (custom authorization server, default
 * `default`) or `<domain>` (`'org'`, introspected); permissions from the `scp` list; the
 * caller keyed by `uid` (the user id; `sub` is the login, which can change), else `sub`
 * (client credentials); the client from `cid`.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ resourceUrl: 'https://api.example.com/mcp', issuers: [okta({ domain: 'https://acme.okta.com' })] })
 * ```
 */
export function okta(options: OktaPresetOptions): McpIssuerOptions {
  if (!options || typeof options !== 'object') throw new McpAuthConfigurationError('okta()', 'needs { domain }');
  const domain = presetUrl('okta({ domain })', options.domain);
  if (new URL(domain).pathname !== '/') {
    throw new McpAuthConfigurationError(
      'okta({ domain })',
      `must be the org URL without a path, e.g. https://acme.okta.com (got ${JSON.stringify(options.domain)})`,
    );
  }
  const serverId = presetName(
    'okta({ authorizationServerId })',
    options.authorizationServerId ?? 'default',
    /^[A-Za-z0-9_-]+$/,
    'must be an authorization server id like default or aus1a2b3c, or "org"',
  );
  const org = serverId === 'org';
  if (org && options.introspection === undefined) {
    throw new McpAuthConfigurationError(
      'okta({ introspection })',
      'is required with authorizationServerId "org": the org authorization server signs access tokens for Okta\'s own APIs only, so other resource servers must introspect them (or use a custom authorization server, e.g. "default")',
    );
  }
  const issuer = org ? domain : `${domain}/oauth2/${serverId}`;
  return {
    name: 'okta',
    issuer,
    audience: options.audience,
    jwksUri: options.jwksUri,
    ...(options.introspection !== undefined ? { introspection: options.introspection } : {}),
    claimsToScopes: oktaClaimsToScopes,
    subjectOf: oktaSubject,
    audienceHint:
      "Okta tokens arrive without this server in aud: set the custom authorization server's Audience to this server's resource URL (Security → API → Authorization Servers), or list its audience in okta({ audience }); see docs/okta.md",
    ...(options.dpop !== undefined ? { dpop: options.dpop } : {}),
    ...presetDownstream('okta({ downstream })', options.downstream, { flow: 'token-exchange' }),
  };
}
