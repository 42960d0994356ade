import type { IncomingMessage } from 'node:http';

/**
 * A one-time key to claim in Redis during the per-principal rate limit's round trip: a DPoP
 * proof's identifier, left on the request by the authentication guard when the rate limiter
 * counts this principal in Redis anyway, so the replay check costs no round trip of its own.
 */
export interface ReplayClaim {
  /** The Redis key (under the module's key prefix). */
  readonly key: string;
  /** How long the claim holds, in milliseconds. */
  readonly ttlMs: number;
  /** The refusal to throw when the key was claimed before (the proof was used already). */
  refusal(): Error;
}

const CLAIM = Symbol('mcp-auth:replay-claim');

type RequestWithClaim = IncomingMessage & { [CLAIM]?: ReplayClaim };

/** Leaves a claim for the rate limiter's round trip. */
export function deferReplayClaim(req: IncomingMessage, claim: ReplayClaim): void {
  (req as RequestWithClaim)[CLAIM] = claim;
}

/** The claim left on the request, taken off it (it is made once). */
export function takeReplayClaim(req: IncomingMessage): ReplayClaim | undefined {
  const request = req as RequestWithClaim;
  const claim = request[CLAIM];
  if (claim) delete request[CLAIM];
  return claim;
}
