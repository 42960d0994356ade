import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { BearerChallengeException } from './bearer-challenge.exception.js';
import { IssuerRegistry } from './identity-providers/issuer-registry.js';
import type { McpPrincipal } from './principal.js';
import type { TokenRejection } from './token-rejection.js';

/** `Tool <name>`, `Resource <name>` or `Prompt <name>`, with a registered MCP name (never caller text). */
const REGISTERED_LABEL = /^(Tool|Resource|Prompt) [A-Za-z0-9_.-]{1,128}$/;

/**
 * The refusals the MCP endpoint can give, each with the challenge the MCP
 * authorization specification and RFC 6750 prescribe for it.
 */
@Injectable()
export class Challenges {
  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly catalogue: ToolCatalogue,
    private readonly issuers: IssuerRegistry,
    private readonly policy: ScopePolicy,
  ) {}

  /** No credentials at all: 401 without an `error`, pointing at the metadata, with the baseline scopes as hint. */
  missingToken(): BearerChallengeException {
    return new BearerChallengeException(401, {
      resourceMetadata: this.options.resourceMetadataUrl,
      scope: this.issuers.advertised(this.options.challengeScopes ?? this.policy.baselineScopes(this.catalogue.scopesSupported)),
    });
  }

  /** A broken request (malformed header, token outside the header): 400 `invalid_request`. */
  invalidRequest(description: string): BearerChallengeException {
    return new BearerChallengeException(400, {
      error: 'invalid_request',
      errorDescription: description,
      resourceMetadata: this.options.resourceMetadataUrl,
    });
  }

  /** A token that failed validation: 401 `invalid_token` with a safe description. */
  invalidToken(rejection: TokenRejection): BearerChallengeException {
    return new BearerChallengeException(401, {
      error: 'invalid_token',
      errorDescription: rejection.description,
      resourceMetadata: this.options.resourceMetadataUrl,
    });
  }

  /**
   * A valid token without the scopes an operation needs: 403 `insufficient_scope`, starting
   * step-up. The `scope` parameter names them as the caller's issuer wants them requested.
   * `operation` is the registered label (`Tool delete_product`, `Resource product`): anything
   * else (a URI the caller sent) is never echoed, the description then says "This operation".
   */
  insufficientScope(scopes: readonly string[], operation: string, principal?: McpPrincipal): BearerChallengeException {
    return new BearerChallengeException(403, {
      error: 'insufficient_scope',
      errorDescription: `${REGISTERED_LABEL.test(operation) ? operation : 'This operation'} requires scope: ${scopes.join(' ')}`,
      scope: this.issuers.advertised(scopes, principal),
      resourceMetadata: this.options.resourceMetadataUrl,
    });
  }

  /** `validateUser` said no: the token is fine, the user is not (any more) known here. */
  unknownUser(): ForbiddenException {
    return new ForbiddenException({ error: 'access_denied', error_description: 'The user is not known to this server' });
  }
}
