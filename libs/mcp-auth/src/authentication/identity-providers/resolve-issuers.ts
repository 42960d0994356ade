import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import type { McpAuthOptions } from '../../mcp-auth.options.js';
import { optionalBoolean, requireUrl } from '../../option-validation.js';
import type { ClaimsToScopes } from '../claims-to-scopes.js';
import { discoverOpenIdConfiguration } from '../openid-discovery.js';
import type { JwtClaims } from '../principal.js';
import { subjectClaim } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import type { McpIssuerOptions } from './issuer-options.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import { defaultDpopMode, dpopMode } from '../dpop/resolve-dpop.js';
import { checkIntrospectedIssuersAreTellable, chooseVerification, resolveIntrospection } from '../../resolve-credentials.js';
import type { IssuerVerification } from '../../resolve-credentials.js';
import { downstreamNeedsDiscovery, resolveDownstream } from '../../downstream/resolve-downstream.js';
import type { ResolvedDownstream } from '../../downstream/downstream.options.js';

/** One trusted issuer after validation and discovery: every default filled in. */
export interface ResolvedIssuer {
  readonly name: string;
  /** Every `iss` value routed to this issuer. */
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];
  /** How its tokens are checked: its JWKS, a shared secret (HS256), or introspection. */
  readonly verification: IssuerVerification;
  /** Empty unless `verification` is `jwks`. */
  readonly jwksUri: string;
  readonly authorizationServers: readonly string[];
  readonly claimsToScopes: ClaimsToScopes;
  readonly screen?: McpIssuerOptions['screen'];
  readonly checkClaims?: McpIssuerOptions['checkClaims'];
  readonly subjectOf: (claims: JwtClaims) => string | undefined;
  readonly advertisedScope: (scope: string) => string;
  /** Whether its tokens may or must be DPoP-bound (RFC 9449). */
  readonly dpop: DpopMode;
  readonly audienceHint?: string;
  /** Downstream tokens for this issuer's callers, when configured. */
  readonly downstream?: ResolvedDownstream;
}

const SAME = (scope: string) => scope;

/**
 * The issuers of the module: the top-level `issuer` (with `audience` and `jwksUri`)
 * as the first, followed by `issuers`. Validated once at startup; the JWKS URL of an
 * issuer without `jwksUri` is discovered. An `iss` claimed by two entries is an error,
 * since a token must be routed to exactly one issuer's keys and rules.
 */
export async function resolveIssuers(
  options: McpAuthOptions,
  defaults: { resourceUrl: string; claimsToScopes: ClaimsToScopes; discoveryTimeoutMs: number; issuerOptional?: boolean },
): Promise<ResolvedIssuer[]> {
  const entries: Array<{ option: string; config: McpIssuerOptions }> = [];
  if (options.issuer !== undefined) {
    const { issuer, audience, jwksUri, sharedSecret, introspection, requireAtJwt } = options;
    entries.push({ option: 'issuer', config: { issuer, audience, jwksUri, sharedSecret, introspection, requireAtJwt } });
  } else {
    const stray = (['audience', 'jwksUri', 'sharedSecret', 'introspection', 'requireAtJwt'] as const).find(
      (option) => options[option] !== undefined,
    );
    if (stray)
      throw new McpAuthConfigurationError(stray, 'belongs to the top-level "issuer"; give it inside the entry of "issuers" instead');
  }
  if (options.issuers !== undefined) {
    if (!Array.isArray(options.issuers))
      throw new McpAuthConfigurationError('issuers', 'must be a list, e.g. [keycloak({...}), entra({...})]');
    options.issuers.forEach((config, index) => entries.push({ option: `issuers[${index}]`, config }));
  }
  if (entries.length === 0 && defaults.issuerOptional) return [];
  if (entries.length === 0) {
    throw new McpAuthConfigurationError('issuer', 'is required (the identity provider\'s issuer URL), or list providers in "issuers"');
  }

  // Before any discovery: refused at once, whatever else is wrong.
  checkIntrospectedIssuersAreTellable(entries);
  const moduleDpopMode = defaultDpopMode(options.dpop);
  const seen = new Map<string, string>();
  const resolved: ResolvedIssuer[] = [];
  for (const { option, config } of entries) {
    if (!config || typeof config !== 'object')
      throw new McpAuthConfigurationError(option, 'must be an issuer configuration, e.g. keycloak({...})');
    const issuers = [config.issuer].flat();
    if (issuers.length === 0) throw new McpAuthConfigurationError(option, 'needs at least one issuer');
    for (const issuer of issuers) {
      requireUrl(option === 'issuer' ? 'issuer' : `${option}.issuer`, issuer);
      const other = seen.get(issuer);
      if (other)
        throw new McpAuthConfigurationError(option, `names issuer ${issuer}, which ${other} names already; each issuer may appear once`);
      seen.set(issuer, option);
    }
    const audienceOption = option === 'issuer' ? 'audience' : `${option}.audience`;
    const audiences = config.audience === undefined ? [defaults.resourceUrl] : [config.audience].flat();
    if (audiences.length === 0 || audiences.some((aud) => typeof aud !== 'string' || aud.trim() === '')) {
      throw new McpAuthConfigurationError(audienceOption, 'must be a non-empty string or list of strings');
    }
    const chosen = chooseVerification(config, option, options.algorithms !== undefined);
    const requireAtJwtOption = option === 'issuer' ? 'requireAtJwt' : `${option}.requireAtJwt`;
    const requireAtJwt = optionalBoolean(requireAtJwtOption, config.requireAtJwt, false);
    if (requireAtJwt && chosen.kind === 'introspection') {
      throw new McpAuthConfigurationError(requireAtJwtOption, "applies to JWTs, and this issuer's tokens are checked by introspection");
    }
    const discovered =
      chosen.needsDiscovery || downstreamNeedsDiscovery(config.downstream)
        ? await discoverOpenIdConfiguration(issuers[0], defaults.discoveryTimeoutMs)
        : undefined;
    const jwksUri =
      chosen.kind !== 'jwks'
        ? ''
        : config.jwksUri !== undefined
          ? requireUrl(option === 'issuer' ? 'jwksUri' : `${option}.jwksUri`, config.jwksUri)
          : discovered!.jwks_uri;
    const verification: IssuerVerification =
      chosen.kind === 'introspection'
        ? { kind: 'introspection', introspection: resolveIntrospection(chosen.options, option, discovered) }
        : chosen.kind === 'shared-secret'
          ? { kind: 'shared-secret', secret: chosen.secret }
          : { kind: 'jwks' };
    resolved.push({
      name: config.name ?? issuers[0],
      issuers,
      audiences,
      verification,
      jwksUri,
      authorizationServers: config.authorizationServers ?? issuers,
      claimsToScopes: config.claimsToScopes ?? defaults.claimsToScopes,
      screen: config.requireAtJwt ? requiringAtJwt(config.screen) : config.screen,
      checkClaims: config.checkClaims,
      subjectOf: config.subjectOf ?? subjectClaim,
      advertisedScope: config.advertisedScope ?? SAME,
      dpop: dpopMode(option === 'issuer' ? 'dpop.mode' : `${option}.dpop`, config.dpop, moduleDpopMode),
      ...(config.audienceHint !== undefined ? { audienceHint: String(config.audienceHint) } : {}),
      ...(config.downstream !== undefined ? { downstream: resolveDownstream(config.downstream, option, discovered) } : {}),
    });
  }
  return resolved;
}

/** RFC 9068 §2.1: the `typ` of a JWT access token; the media type may be written in full. */
const AT_JWT_TYPES = ['at+jwt', 'application/at+jwt'];

/** `screen`, preceded by the RFC 9068 header check (§4: anything but `at+jwt` is refused). */
function requiringAtJwt(screen: McpIssuerOptions['screen']): NonNullable<McpIssuerOptions['screen']> {
  return (claims, header) => {
    if (typeof header.typ !== 'string' || !AT_JWT_TYPES.includes(header.typ.toLowerCase())) {
      return new TokenRejection('invalid_claim', "The token is not a JWT access token: its header must say typ 'at+jwt' (RFC 9068)");
    }
    return screen?.(claims, header);
  };
}
