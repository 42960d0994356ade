import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { entraClaimsToScopes, entraClaimsToScopesWithUserRoles, rolesAsScopesOption } from '../claims-to-scopes.js';
import type { RolesAsScopes } from '../claims-to-scopes.js';
import { TokenRejection } from '../token-rejection.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import type { McpIssuerOptions } from './issuer-options.js';
import { audiencesOf, presetDownstream, presetUrl } from './preset-validation.js';
import type { PresetDownstreamOptions } from './preset-validation.js';

/** National clouds of Microsoft Entra ID and their hosts. */
export type EntraCloud = 'public' | 'usgov' | 'china';

/** Options of the {@link entra} preset. */
export interface EntraPresetOptions {
  /** The directory (tenant) id, or `organizations` / `common` for a multi-tenant app (then `allowedTenants` is required). */
  tenantId: string;
  /** The application (client) id of the API's app registration: the audience of v2 tokens. */
  clientId: string;
  /**
   * The Application ID URI from "Expose an API" (`identifierUris`): `api://<clientId>` (default), or
   * the server's https URL, as Microsoft's MCP guide has it (then MCP clients' `resource`
   * parameter matches it and Entra issues the token). A list when the registration has several;
   * the first is how scopes are advertised (`<appIdUri>/User.Read`). v2 tokens carry the client id
   * in `aud` whatever this is; v1 tokens may carry any of these URIs.
   */
  appIdUri?: string | string[];
  /**
   * Also accept v1.0 tokens (issuer `https://sts.windows.net/<tenant>/`, audience `api://…`). Default false:
   * set `accessTokenAcceptedVersion: 2` in the app manifest instead; v1 tokens are then refused saying so.
   */
  acceptV1Tokens?: boolean;
  /** The national cloud. Default `public`. */
  cloud?: EntraCloud;
  /** The login host instead of the cloud's, e.g. a test identity provider on loopback. */
  authorityHost?: string;
  /** Tenants whose tokens are accepted (required with `organizations`/`common`); checked against `tid` and the issuer. */
  allowedTenants?: string[];
  /**
   * When `roles` count as permissions: `'app-only'` (default) for app-only tokens (no `scp`)
   * only, so a delegated token is limited to the scopes the user consented to; `'always'`
   * lets the app roles assigned to a user widen every client's token: opt in knowingly. See docs/entra.md.
   */
  rolesAsScopes?: RolesAsScopes;
  /**
   * Tokens for downstream APIs through the on-behalf-of flow (v2 endpoint): the API's own app
   * registration (`clientId` by default) as a confidential client, with `clientSecret` or a
   * certificate (`privateKeyJwt`, `header: { 'x5t#S256': … }`). Tools then ask
   * `ctx.tokenFor({ audience: 'https://graph.microsoft.com', scopes: ['User.Read'] })`.
   */
  downstream?: Partial<Pick<PresetDownstreamOptions, 'clientId' | 'tokenEndpoint'>> &
    Omit<PresetDownstreamOptions, 'clientId' | 'tokenEndpoint'>;
  /**
   * DPoP-bound tokens (RFC 9449). Default `'off'`, whatever the module's `dpop.mode`: Entra ID issues
   * no RFC 9449 tokens for your own APIs (docs/dpop.md), so its issuers advertise and accept none
   * unless you say otherwise.
   */
  dpop?: DpopMode;
}

/**
 * Each cloud's login host (discovery, keys, the authorization server clients are sent to)
 * and the hosts its tokens name in `iss`. Microsoft's published tables differ on the
 * sovereign clouds (US Government v1 tokens: `sts.windows.net` or the login host; China v2
 * tokens: `login.partner.microsoftonline.cn` or the login host), so both forms are accepted:
 * every one of them is Microsoft's, and the signature must still come from the cloud's own
 * keys and `tid` from the allowed tenants.
 */
const CLOUDS: Record<EntraCloud, { login: string; v2IssuerHosts: string[]; v1IssuerHosts: string[] }> = {
  public: { login: 'https://login.microsoftonline.com', v2IssuerHosts: [], v1IssuerHosts: ['https://sts.windows.net'] },
  usgov: {
    login: 'https://login.microsoftonline.us',
    v2IssuerHosts: [],
    v1IssuerHosts: ['https://sts.windows.net', 'https://login.microsoftonline.us'],
  },
  china: {
    login: 'https://login.chinacloudapi.cn',
    v2IssuerHosts: ['https://login.partner.microsoftonline.cn'],
    v1IssuerHosts: ['https://sts.chinacloudapi.cn'],
  },
};

/** Microsoft Graph's application id and URI: a token for Graph is never a token for us. */
const GRAPH_AUDIENCES = ['00000003-0000-0000-c000-000000000000', 'https://graph.microsoft.com', 'https://graph.microsoft.com/'];
const MULTI_TENANT = ['organizations', 'common'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft Entra ID: v2 issuer (and v1 when `acceptV1Tokens`), audiences = client id and
 * App ID URI, permissions from `scp` (delegated) or `roles` (app-only tokens), principal keyed by
 * `tid` + `oid` (Entra's `sub` differs per app). Multi-tenant only with `allowedTenants`,
 * checked against `tid` and the issuer. A Microsoft Graph token is refused with a clear
 * reason instead of a baffling signature error. The protected resource metadata and the
 * challenges advertise the full `api://…/<scope>` strings Entra expects clients to request.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   resourceUrl: 'https://api.example.com/mcp',
 *   issuers: [entra({ tenantId: '8f0c…', clientId: '3b9e…' })],
 * })
 * ```
 */
export function entra(options: EntraPresetOptions): McpIssuerOptions {
  if (!options || typeof options !== 'object') throw new McpAuthConfigurationError('entra()', 'needs { tenantId, clientId }');
  const { tenantId, clientId } = options;
  const multiTenant = MULTI_TENANT.includes(tenantId);
  if (typeof tenantId !== 'string' || (!multiTenant && !GUID.test(tenantId))) {
    throw new McpAuthConfigurationError(
      'entra({ tenantId })',
      `must be the directory (tenant) id GUID, or "organizations"/"common" with allowedTenants (got ${JSON.stringify(tenantId)})`,
    );
  }
  if (typeof clientId !== 'string' || !GUID.test(clientId)) {
    throw new McpAuthConfigurationError(
      'entra({ clientId })',
      `must be the API's application (client) id GUID (got ${JSON.stringify(clientId)})`,
    );
  }
  const tenants = allowedTenantsOf(options, multiTenant);
  const cloud = CLOUDS[options.cloud ?? 'public'];
  if (!cloud)
    throw new McpAuthConfigurationError(
      'entra({ cloud })',
      `must be one of ${Object.keys(CLOUDS).join(', ')} (got ${JSON.stringify(options.cloud)})`,
    );
  if (options.cloud !== undefined && options.authorityHost !== undefined) {
    throw new McpAuthConfigurationError('entra({ authorityHost })', 'and "cloud" are alternatives: give one');
  }
  const authority = options.authorityHost !== undefined ? presetUrl('entra({ authorityHost })', options.authorityHost) : cloud.login;
  const appIdUris = options.appIdUri !== undefined ? [options.appIdUri].flat().map(appIdUriOf) : [`api://${clientId}`];
  if (appIdUris.length === 0) throw new McpAuthConfigurationError('entra({ appIdUri })', 'must name at least one Application ID URI');
  const appIdUri = appIdUris[0];

  // The login host first: it is the authorization server advertised to clients.
  const v2Hosts = options.authorityHost !== undefined ? [authority] : [authority, ...cloud.v2IssuerHosts];
  const v2Issuers = (tenant: string) => v2Hosts.map((host) => `${host}/${tenant}/v2.0`);
  const v1Issuers = (tenant: string) => cloud.v1IssuerHosts.map((host) => `${host}/${tenant}/`);
  const acceptsV1 = options.acceptV1Tokens ?? false;
  // v1 issuers are routed even when not accepted, so that such a token is refused with the fix, not as a stranger.
  const anyV1Issuer = new Set(tenants.flatMap(v1Issuers));
  const issuers = [...new Set(tenants.flatMap((tenant) => [...v2Issuers(tenant), ...v1Issuers(tenant)]))];

  return {
    name: 'entra',
    issuer: issuers,
    audience: [clientId, ...appIdUris],
    dpop: options.dpop ?? 'off',
    jwksUri: `${authority}/${tenantId}/discovery/v2.0/keys`,
    authorizationServers: tenants.map((tenant) => v2Issuers(tenant)[0]),
    claimsToScopes:
      rolesAsScopesOption('entra({ rolesAsScopes })', options.rolesAsScopes) === 'always'
        ? entraClaimsToScopesWithUserRoles
        : entraClaimsToScopes,
    screen: (claims) => {
      // Graph tokens are v1 tokens: name the real mistake (wrong audience) before the version.
      if (audiencesOf(claims.aud).some((aud) => GRAPH_AUDIENCES.includes(aud))) {
        return new TokenRejection(
          'wrong_audience',
          `The access token was issued for Microsoft Graph, not for this API: request a token for ${appIdUri}/<scope> (or ${appIdUri}/.default)`,
        );
      }
      if (!acceptsV1 && anyV1Issuer.has(String(claims.iss))) {
        return new TokenRejection(
          'wrong_issuer',
          "The access token is an Entra ID v1.0 token: set accessTokenAcceptedVersion to 2 in the API app registration's manifest (or accept v1 tokens on this server)",
        );
      }
      return undefined;
    },
    checkClaims: (claims) => {
      const tid = claims.tid;
      if (typeof tid !== 'string' || !tenants.includes(tid)) {
        return new TokenRejection('wrong_issuer', 'The access token was issued by a tenant this server does not accept');
      }
      // `iss` must be the issuer of that very tenant: a token cannot borrow another tenant's issuer.
      const iss = String(claims.iss);
      if (!v2Issuers(tid).includes(iss) && !(acceptsV1 && v1Issuers(tid).includes(iss))) {
        return new TokenRejection('wrong_issuer', "The access token's issuer does not belong to its tenant (tid)");
      }
      if (typeof claims.oid !== 'string' || claims.oid === '') {
        return new TokenRejection('missing_subject', 'The access token has no object id (oid)');
      }
      return undefined;
    },
    subjectOf: (claims) => `${String(claims.tid)}/${String(claims.oid)}`,
    advertisedScope: (scope) => (scope.includes('://') || scope.startsWith(`${appIdUri}/`) ? scope : `${appIdUri}/${scope}`),
    audienceHint: `Entra ID tokens arrive without this API in aud (${clientId} or ${appIdUris.join(', ')}): clients must request ${appIdUri}/<scope>, or send resource=<an Application ID URI> (v2 tokens only); see docs/entra.md`,
    ...presetDownstream('entra({ downstream })', options.downstream, {
      flow: 'entra-on-behalf-of',
      clientId,
      clientAuthMethod: options.downstream?.privateKeyJwt ? 'private_key_jwt' : 'client_secret_post',
      // The caller's own tenant: a multi-tenant API exchanges in the tenant the user signed in to.
      tokenEndpoint: multiTenant
        ? (principal) => `${authority}/${encodeURIComponent(String(principal.claims.tid))}/oauth2/v2.0/token`
        : `${authority}/${tenantId}/oauth2/v2.0/token`,
      consentUrl: ({ scopes }) =>
        `${authority}/${tenantId}/v2.0/adminconsent?client_id=${encodeURIComponent(options.downstream?.clientId ?? clientId)}&scope=${encodeURIComponent(scopes.join(' '))}`,
    }),
  };
}

function allowedTenantsOf(options: EntraPresetOptions, multiTenant: boolean): string[] {
  const allowed = options.allowedTenants;
  if (
    allowed !== undefined &&
    (!Array.isArray(allowed) || allowed.length === 0 || allowed.some((tenant) => typeof tenant !== 'string' || !GUID.test(tenant)))
  ) {
    throw new McpAuthConfigurationError('entra({ allowedTenants })', 'must list tenant id GUIDs');
  }
  if (multiTenant) {
    if (!allowed) {
      throw new McpAuthConfigurationError(
        'entra({ allowedTenants })',
        `is required with tenantId "${options.tenantId}": list the tenant ids whose users may call this server (any tenant would otherwise be accepted)`,
      );
    }
    return allowed.map((tenant) => tenant.toLowerCase());
  }
  if (allowed && (allowed.length !== 1 || allowed[0].toLowerCase() !== options.tenantId.toLowerCase())) {
    throw new McpAuthConfigurationError(
      'entra({ allowedTenants })',
      `is for multi-tenant apps: use tenantId "organizations" to accept ${allowed.join(', ')}`,
    );
  }
  return [options.tenantId.toLowerCase()];
}

function appIdUriOf(value: unknown): string {
  if (typeof value !== 'string' || !/^(api|https?):\/\/[^\s?#]+$/.test(value)) {
    throw new McpAuthConfigurationError(
      'entra({ appIdUri })',
      `must be the Application ID URI from "Expose an API", e.g. api://<client-id> or https://api.example.com/mcp (got ${JSON.stringify(value)})`,
    );
  }
  return value.replace(/\/+$/, '');
}
