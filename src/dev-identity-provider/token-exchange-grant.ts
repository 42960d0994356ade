import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { TokenEndpointGrantContext } from 'oidc-provider';

/** RFC 8693 §2.1: the grant type of a token exchange request. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** Who may exchange which tokens for which downstream APIs. */
export interface TokenExchangePolicy {
  /** The audience a subject token must carry: the MCP server's resource URL (its tokens, and only those, are exchanged). */
  readonly subjectAudience: string;
  /** Clients allowed to exchange (the MCP server's own confidential client). */
  readonly clients: readonly { clientId: string; clientSecret: string }[];
  /**
   * The downstream APIs, by the audience (or resource) a request names: each scope they offer and
   * the scope the caller's token must hold for it (downscoping: `stock:read` needs `User.Read`).
   */
  readonly targets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Lifetime of the exchanged tokens, in seconds. */
  readonly accessTokenTtlSeconds: number;
}

/**
 * RFC 8693 token exchange for the development provider (oidc-provider has no built-in one):
 * an allowed client presents a user's access token for the MCP server (`subject_token`,
 * verified with the provider's own keys, its `aud` the MCP resource) and gets a new JWT access
 * token for the same user (`sub`) whose `aud` is the downstream API, with at most the scopes the
 * API offers and the user's token allows, and `act` naming the client (§4.1). Registered with
 * `provider.registerGrantType`; counts the exchanges it answers.
 */
export function registerTokenExchange(provider: Provider, publicJwk: JWK, policy: TokenExchangePolicy): { exchanges(): number } {
  const keys = createLocalJWKSet({ keys: [publicJwk] });
  const allowed = new Set(policy.clients.map((client) => client.clientId));
  let exchanges = 0;

  type Params = Partial<Record<'subject_token' | 'subject_token_type' | 'requested_token_type' | 'audience', string>>;
  async function handler(ctx: TokenEndpointGrantContext<Params>): Promise<void> {
    const params = { ...ctx.oidc.params, resource: [ctx.oidc.params.resource].flat()[0] };
    const client = ctx.oidc.client;
    if (!allowed.has(client.clientId)) throw new errors.UnauthorizedClient('this client may not exchange tokens');
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest('subject_token_type must be an access token');
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest('only access tokens can be requested');
    }
    if (!params.subject_token) throw new errors.InvalidRequest('missing subject_token');
    let subject: { sub?: string; scope?: unknown };
    try {
      ({ payload: subject } = await jwtVerify(params.subject_token, keys, {
        issuer: provider.issuer,
        audience: policy.subjectAudience,
        typ: 'at+jwt',
      }));
    } catch {
      throw new errors.InvalidGrant('subject_token is not a valid access token for the MCP server');
    }
    const target = params.audience ?? params.resource;
    const offered = target !== undefined ? policy.targets[target] : undefined;
    if (!offered) throw new errors.InvalidTarget('unknown audience or resource');
    const held = new Set(typeof subject.scope === 'string' ? subject.scope.split(' ') : []);
    const requested = params.scope ? params.scope.split(' ').filter(Boolean) : Object.keys(offered);
    const refused = requested.filter((scope) => offered[scope] === undefined || !held.has(offered[scope]));
    if (params.scope && refused.length > 0) throw new errors.InvalidScope('requested scope is not allowed', refused.join(' '));
    const scope = requested.filter((scope) => !refused.includes(scope)).join(' ');
    if (!scope) throw new errors.InvalidScope('the subject token allows no scope of this API', requested.join(' '));
    if (!subject.sub) throw new errors.InvalidGrant('subject_token has no subject');

    // A grant of its own for the exchanged token (so revoking it revokes the token), scoped to exactly this API.
    const grant = new provider.Grant({ accountId: subject.sub, clientId: client.clientId });
    grant.addResourceScope(target!, scope);
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      grantId,
      accountId: subject.sub,
      client,
      gty: TOKEN_EXCHANGE_GRANT,
      scope,
      expiresIn: policy.accessTokenTtlSeconds,
    });
    token.resourceServer = new provider.ResourceServer(target!, {
      audience: target,
      scope,
      accessTokenFormat: 'jwt',
      accessTokenTTL: policy.accessTokenTtlSeconds,
      jwt: { sign: { alg: 'RS256' } },
    });
    const value = await token.save();
    exchanges++;
    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: token.expiration,
      scope,
    };
  }

  provider.registerGrantType<Params>(TOKEN_EXCHANGE_GRANT, handler, [
    'subject_token',
    'subject_token_type',
    'requested_token_type',
    'audience',
    'resource',
    'scope',
  ]);
  return { exchanges: () => exchanges };
}

/**
 * `extraTokenClaims` for the provider's configuration: an exchanged token names the client that
 * acts for the user (RFC 8693 §4.1 `act`); oidc-provider sets a token's extra claims only from here.
 */
export function actorClaim(_ctx: unknown, token: { gty?: string; clientId?: string }): Record<string, unknown> | undefined {
  return token.gty === TOKEN_EXCHANGE_GRANT ? { act: { sub: token.clientId } } : undefined;
}
