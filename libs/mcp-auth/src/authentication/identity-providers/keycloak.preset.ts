import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { keycloakClaimsToScopes, rolesAsScopesOption } from '../claims-to-scopes.js';
import type { RolesAsScopes } from '../claims-to-scopes.js';
import { TokenRejection } from '../token-rejection.js';
import type { McpIssuerOptions } from './issuer-options.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import { audiencesOf, presetDownstream, presetName, presetUrl } from './preset-validation.js';
import type { PresetDownstreamOptions } from './preset-validation.js';

/** Options of the {@link keycloak} preset. */
export interface KeycloakPresetOptions {
  /** Keycloak's base URL, e.g. `https://sso.example.com` (Keycloak before 17: include `/auth`). */
  url: string;
  /** The realm name. The issuer becomes `<url>/realms/<realm>`. */
  realm: string;
  /** The audience your Audience mapper puts into tokens. Default: the module's `resourceUrl`. */
  audience?: string | string[];
  /** The client whose client roles (`resource_access.<clientId>.roles`) count as scopes (as `rolesAsScopes` allows). */
  clientId?: string;
  /** Count realm roles (`realm_access.roles`) as scopes (as `rolesAsScopes` allows). Default true. */
  realmRoles?: boolean;
  /** Count the roles of `clientId` as scopes (as `rolesAsScopes` allows). Default true when `clientId` is set. */
  clientRoles?: boolean;
  /**
   * When roles count: `'app-only'` (default) for tokens without a `scope` claim only, so a
   * delegated token is limited to the scopes it was granted; `'always'` lets the user's roles
   * widen every client's token (no consent, no step-up): opt in knowingly. See docs/keycloak.md.
   */
  rolesAsScopes?: RolesAsScopes;
  /** Where the realm's keys are. Default: discovered (`<issuer>/protocol/openid-connect/certs`). */
  jwksUri?: string;
  /**
   * Tokens for downstream APIs through Keycloak's standard token exchange (RFC 8693, Keycloak 26.2+):
   * this server's confidential client (`clientId`, `clientSecret` or `privateKeyJwt`) with
   * "Standard token exchange" on. Tools then ask `ctx.tokenFor({ audience: '<target client id>', scopes })`
   * (Keycloak's token exchange does not take `resource`; the caller's token must name this client in `aud`).
   * See docs/downstream.md and docs/keycloak.md.
   */
  downstream?: PresetDownstreamOptions;
  /**
   * DPoP-bound tokens (RFC 9449): `'allowed'` or `'required'`, or `'off'`. Default: the module's `dpop.mode`.
   * See docs/dpop.md for turning it on at the identity provider.
   */
  dpop?: DpopMode;
}

/** Logged once per process, the first time a realm's token arrives without this server in `aud` (it names the fix, never the token). */
const AUDIENCE_HINT =
  "Keycloak tokens arrive without this server's resource URL in aud: on Keycloak 26.7+ enable resource indicators (--features=resource-indicators, experimental) and set this server's client's resource URL, so clients' resource parameter puts it in aud; otherwise add an Audience mapper (Included Custom Audience: the resource URL) to a client scope the MCP clients get; see docs/keycloak.md";

/** Keycloak's built-in audience for its own account console; never ours. */
const ACCOUNT_AUDIENCE = 'account';

/**
 * Keycloak: issuer `<url>/realms/<realm>`, keys discovered, scopes from `scope`; realm
 * roles and (for `clientId`) client roles count for tokens without a `scope` claim
 * (or for every token with `rolesAsScopes: 'always'`). A token whose only
 * audience is Keycloak's default `account` is refused with a description saying to add
 * an Audience mapper; an ID token sent as an access token is refused too.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   resourceUrl: 'https://api.example.com/mcp',
 *   issuers: [keycloak({ url: 'https://sso.example.com', realm: 'acme', clientId: 'mcp-api' })],
 * })
 * ```
 */
export function keycloak(options: KeycloakPresetOptions): McpIssuerOptions {
  if (!options || typeof options !== 'object') throw new McpAuthConfigurationError('keycloak()', 'needs { url, realm }');
  const url = presetUrl('keycloak({ url })', options.url);
  const realm = presetName('keycloak({ realm })', options.realm, /^[^/\s?#]+$/, 'must be a realm name without slashes');
  if (audiencesOf(options.audience).includes(ACCOUNT_AUDIENCE)) {
    throw new McpAuthConfigurationError(
      'keycloak({ audience })',
      'must not be "account": every client of the realm gets that audience. Add an Audience mapper for this server and use its value',
    );
  }
  const clientId = options.clientId;
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
    throw new McpAuthConfigurationError('keycloak({ clientId })', 'must be a non-empty client id');
  }
  const issuer = `${url}/realms/${encodeURIComponent(realm)}`;
  return {
    name: 'keycloak',
    issuer,
    audience: options.audience,
    jwksUri: options.jwksUri,
    ...(options.dpop !== undefined ? { dpop: options.dpop } : {}),
    audienceHint: AUDIENCE_HINT,
    ...presetDownstream('keycloak({ downstream })', options.downstream, { flow: 'token-exchange' }),
    claimsToScopes: keycloakClaimsToScopes({
      realmRoles: options.realmRoles ?? true,
      clientId: (options.clientRoles ?? true) ? clientId : undefined,
      rolesAsScopes: rolesAsScopesOption('keycloak({ rolesAsScopes })', options.rolesAsScopes),
    }),
    screen: (claims) => {
      const audiences = audiencesOf(claims.aud);
      if (audiences.length === 0 || audiences.every((aud) => aud === ACCOUNT_AUDIENCE)) {
        return new TokenRejection(
          'wrong_audience',
          audiences.length === 0
            ? "The access token has no audience: in Keycloak, request it with the resource parameter (resource indicators, Keycloak 26.7+) or add an Audience mapper (Included Custom Audience: this server's resource URL) to a client scope of the calling client"
            : "The access token's only audience is Keycloak's default 'account', not this server: in Keycloak, request it with the resource parameter (resource indicators, Keycloak 26.7+) or add an Audience mapper (Included Custom Audience: this server's resource URL) to a client scope of the calling client",
        );
      }
      return undefined;
    },
    checkClaims: (claims) =>
      // Keycloak marks its tokens: "Bearer" for access tokens, "ID" / "Refresh" for the others.
      claims.typ !== undefined && claims.typ !== 'Bearer'
        ? new TokenRejection('invalid_claim', 'The token is a Keycloak ID or refresh token (typ), not an access token')
        : undefined,
  };
}
