import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { BearerChallengeException } from './bearer-challenge.exception.js';
import { IssuerRegistry } from './identity-providers/issuer-registry.js';
import type { DpopRejection } from './dpop/dpop-rejection.js';
import type { McpPrincipal } from './principal.js';
import type { TokenRejection } from './token-rejection.js';
import type { AuthScheme, SchemeChallenge } from './www-authenticate.js';

/** `Tool <name>`, `Resource <name>` or `Prompt <name>`, with a registered MCP name (never caller text). */
const REGISTERED_LABEL = /^(Tool|Resource|Prompt) [A-Za-z0-9_.-]{1,128}$/;

/**
 * The refusals the MCP endpoint can give, each with the challenge the MCP
 * authorization specification, RFC 6750 and RFC 9449 prescribe for it.
 *
 * The 401 of a request without credentials names every scheme the server accepts (`Bearer`,
 * and `DPoP algs="…"` where some issuer's tokens may be DPoP-bound): that is where a client
 * learns them. A refusal of a token answers on the scheme the token came with; when the
 * refusal is about the choice of scheme (a bound token sent as Bearer, DPoP required) the
 * other scheme follows, so the client learns what to use instead.
 */
@Injectable()
export class Challenges {
  /** Every accepted scheme, `Bearer` first (the 401 of a request without credentials). */
  private readonly accepted: readonly SchemeChallenge[];
  private readonly bearerChallenge: SchemeChallenge = { scheme: 'Bearer' };
  private readonly dpopChallenge: SchemeChallenge;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly catalogue: ToolCatalogue,
    private readonly issuers: IssuerRegistry,
    private readonly policy: ScopePolicy,
  ) {
    const dpop = options.dpop;
    this.dpopChallenge = { scheme: 'DPoP', algs: dpop?.algorithms ?? [] };
    // Bearer stays accepted unless every issuer requires DPoP; API keys are bearer credentials.
    const bearer = !dpop?.required || options.apiKeys !== undefined;
    this.accepted = [...(bearer ? [this.bearerChallenge] : []), ...(dpop?.accepted ? [this.dpopChallenge] : [])];
  }

  /** No credentials at all: 401 without an `error`, pointing at the metadata, with the baseline scopes as hint. */
  missingToken(): BearerChallengeException {
    return new BearerChallengeException(
      401,
      {
        resourceMetadata: this.options.resourceMetadataUrl,
        scope: this.issuers.advertised(this.options.challengeScopes ?? this.policy.baselineScopes(this.catalogue.scopesSupported)),
      },
      this.accepted,
    );
  }

  /** A broken request (malformed header, token outside the header): 400 `invalid_request`. */
  invalidRequest(description: string, used: AuthScheme = 'Bearer'): BearerChallengeException {
    return new BearerChallengeException(
      400,
      { error: 'invalid_request', errorDescription: description, resourceMetadata: this.options.resourceMetadataUrl },
      this.schemesFor(used, false),
    );
  }

  /**
   * A token that failed validation: 401 `invalid_token` with a safe description, on the scheme
   * it was presented with. `headers` go with it (a DPoP request's `DPoP-Nonce`).
   */
  invalidToken(rejection: TokenRejection, used: AuthScheme = 'Bearer', headers?: Record<string, string>): BearerChallengeException {
    return new BearerChallengeException(
      401,
      { error: 'invalid_token', errorDescription: rejection.description, resourceMetadata: this.options.resourceMetadataUrl },
      this.schemesFor(used, false),
      headers,
    );
  }

  /**
   * A DPoP refusal (RFC 9449 §7.1, §9): 401 with `invalid_dpop_proof`, `use_dpop_nonce` or
   * `invalid_token`, on the scheme the token was presented with; `headers` carry `DPoP-Nonce`.
   */
  dpopRefused(rejection: DpopRejection, used: AuthScheme, headers?: Record<string, string>): BearerChallengeException {
    return new BearerChallengeException(
      401,
      { error: rejection.error, errorDescription: rejection.description, resourceMetadata: this.options.resourceMetadataUrl },
      this.schemesFor(used, rejection.aboutScheme),
      headers,
    );
  }

  /**
   * A valid token without the scopes an operation needs: 403 `insufficient_scope`, starting
   * step-up. The `scope` parameter names them as the caller's issuer wants them requested.
   * `operation` is the registered label (`Tool delete_product`, `Resource product`): anything
   * else (a URI the caller sent) is never echoed, the description then says "This operation".
   */
  insufficientScope(scopes: readonly string[], operation: string, principal?: McpPrincipal): BearerChallengeException {
    return new BearerChallengeException(
      403,
      {
        error: 'insufficient_scope',
        errorDescription: `${REGISTERED_LABEL.test(operation) ? operation : 'This operation'} requires scope: ${scopes.join(' ')}`,
        scope: this.issuers.advertised(scopes, principal),
        resourceMetadata: this.options.resourceMetadataUrl,
      },
      // The token in hand is the one to step up from: its own scheme (a DPoP-bound one was proved).
      principal?.confirmation ? [this.dpopChallenge] : undefined,
    );
  }

  /**
   * The challenge of the scheme a token came with (it carries the error), followed by the other
   * accepted one when `andOthers`; every accepted scheme when the one used is not accepted here.
   */
  private schemesFor(used: AuthScheme, andOthers: boolean): readonly SchemeChallenge[] {
    const own = this.accepted.find((challenge) => challenge.scheme === used);
    if (!own) return this.accepted;
    return andOthers ? [own, ...this.accepted.filter((challenge) => challenge !== own)] : [own];
  }

  /** `validateUser` said no: the token is fine, the user is not (any more) known here. */
  unknownUser(): ForbiddenException {
    return new ForbiddenException({ error: 'access_denied', error_description: 'The user is not known to this server' });
  }
}
