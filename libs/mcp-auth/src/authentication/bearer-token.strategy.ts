import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import { bearerCredentialsOf } from './bearer-credentials.js';
import type { McpPrincipal } from './principal.js';
import { TokenRejection } from './token-rejection.js';

/**
 * What a bearer strategy makes of a credential: a principal, a refusal, or "not mine"
 * (a credential of another kind, left to the next strategy in the chain).
 */
export type BearerVerdict = McpPrincipal | TokenRejection | typeof NOT_MINE;

/** The verdict of a strategy that does not handle this kind of credential. */
export const NOT_MINE = Symbol('mcp-auth:not-mine');

type StrategyActions = {
  success(user: object): void;
  fail(challenge?: unknown, status?: number): void;
  error(error: unknown): void;
};

/**
 * Base of the Passport strategies the guard tries in order (API keys, introspection).
 * Passport moves on to the next strategy after a failure; a rejection is passed as
 * the failure's challenge so that the guard can name the most relevant one, and an
 * error (a throwing `validateUser`, a refused unknown user) stops the chain at once.
 */
export abstract class BearerTokenStrategy extends passport.Strategy {
  constructor(override readonly name: string) {
    super();
  }

  /** Looks at the bearer value and decides. Throwing refuses the request (an error, not a failure). */
  protected abstract verify(token: string, req: IncomingMessage): Promise<BearerVerdict>;

  override authenticate(req: IncomingMessage): void {
    // Passport calls this on a per-request copy that carries success/fail/error.
    const actions = this as unknown as StrategyActions;
    const credentials = bearerCredentialsOf(req);
    if (credentials.kind !== 'bearer') return actions.fail(undefined, 401);
    this.verify(credentials.token, req).then(
      (verdict) => {
        if (verdict === NOT_MINE) actions.fail(undefined, 401);
        else if (verdict instanceof TokenRejection) actions.fail(verdict, 401);
        else actions.success(verdict);
      },
      (error: unknown) => actions.error(error),
    );
  }
}

/** A compact JWS has exactly three dot-separated parts; anything else is opaque (an API key, a reference token). */
export function looksLikeJwt(token: string): boolean {
  return token.split('.', 4).length === 3;
}
