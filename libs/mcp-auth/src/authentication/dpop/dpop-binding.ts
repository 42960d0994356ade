import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../../mcp-auth.options.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import { IssuerRegistry } from '../identity-providers/issuer-registry.js';
import type { McpPrincipal } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import type { AuthScheme } from '../www-authenticate.js';
import { DpopNonces } from './dpop-nonces.js';
import { dpopProofOf } from './dpop-proof-header.js';
import { DpopProofVerifier } from './dpop-proof-verifier.js';
import { DpopRejection } from './dpop-rejection.js';
import { DpopReplayCache } from './dpop-replay-cache.js';
import { dpopConfirmationOf, unreadableConfirmation } from './token-confirmation.js';

/** A bound token where no issuer accepts DPoP: the client cannot present it any other way here. */
const BOUND_WITHOUT_DPOP = 'The access token is bound to a DPoP key, and this server does not accept DPoP-bound tokens';

/** A request whose DPoP proof passed every check of this instance. */
export interface ProvedDpop {
  /** The proof's identifier in the replay record: the fleet's check (Redis) is the caller's to make. */
  readonly proofId: string;
  /** A fresh nonce to hand the client (RFC 9449 §8.2), when it did not send the current one. */
  readonly nextNonce?: string;
}

/** What the DPoP rules make of an authenticated request: nothing to add, a refusal, or a proof that passed. */
export type DpopVerdict = undefined | DpopRejection | TokenRejection | ProvedDpop;

/** The access token as presented: its text and the scheme it came with. */
export interface PresentedToken {
  readonly token: string;
  readonly scheme: AuthScheme;
}

/**
 * Ties a validated token to the way it was presented (RFC 9449 §7): a token bound to a key
 * (`cnf.jkt`) only with the `DPoP` scheme and a proof signed with that key, an unbound one only
 * as `Bearer`, and, where its issuer requires DPoP, no bearer token at all. Runs after the
 * token's own validation, whichever strategy (or cache) produced the principal, so a token
 * remembered by the verified-token cache still proves possession on every request.
 *
 * An unbound bearer token, the common case, costs two property reads and no promise.
 */
@Injectable()
export class DpopBinding {
  private readonly verifier?: DpopProofVerifier;
  private readonly replay?: DpopReplayCache;
  private readonly nonces?: DpopNonces;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly issuers: IssuerRegistry,
    redis: RedisConnection,
  ) {
    const { dpop, clockToleranceSeconds, resourceUrl } = options;
    if (!dpop.accepted) return;
    if (dpop.nonce) {
      this.nonces = new DpopNonces({ ...dpop.nonce, resource: resourceUrl, clockToleranceSeconds });
    }
    this.verifier = new DpopProofVerifier({ ...dpop, clockToleranceSeconds, resourceUrl, nonces: this.nonces });
    // A proof is accepted until its iat is older than the window (plus the tolerance), and may come
    // from up to the tolerance ahead: remembered that long, a second of rounding included.
    const ttlMs = (dpop.maxProofAgeSeconds + 2 * clockToleranceSeconds + 1) * 1000;
    this.replay = new DpopReplayCache({ ttlMs, maxEntries: dpop.replayCacheMaxEntries }, redis);
  }

  /** True when some issuer's tokens may be presented with the `DPoP` scheme. */
  get enabled(): boolean {
    return this.options.dpop.accepted;
  }

  /**
   * Checks how `principal`'s token was presented. Synchronous for a bearer request; a promise
   * when a proof is verified. A {@link ProvedDpop} passed this instance's replay memory: the
   * fleet's (with Redis) is {@link claimInFleet}, or the rate limiter's round trip ({@link replayKey}).
   */
  check(req: IncomingMessage, presented: PresentedToken, principal: McpPrincipal): DpopVerdict | Promise<DpopVerdict> {
    const confirmation = dpopConfirmationOf(principal.claims);
    if (confirmation === 'invalid') return unreadableConfirmation();
    const mode = this.issuers.dpopModeOf(principal);
    if (presented.scheme === 'Bearer') {
      // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token is refused, whatever the mode.
      if (confirmation && !this.enabled) return new DpopRejection('dpop_bound_token_as_bearer', BOUND_WITHOUT_DPOP);
      if (confirmation) return new DpopRejection('dpop_bound_token_as_bearer');
      return mode === 'required' ? new DpopRejection('dpop_required') : undefined;
    }
    if (mode === 'off' || !this.verifier) return new DpopRejection('dpop_not_accepted');
    if (!confirmation) return new DpopRejection('dpop_unbound_token');
    const header = dpopProofOf(req);
    if (header.kind === 'missing') return new DpopRejection('dpop_proof_missing');
    if (header.kind === 'multiple') return new DpopRejection('dpop_proof_multiple');
    return this.prove(req, header.proof, presented.token, confirmation.jkt);
  }

  /** True when the replay record is shared through Redis (a proof must also be new to the fleet). */
  get sharesReplayRecord(): boolean {
    return this.replay?.shared === true;
  }

  /** The Redis key and lifetime under which a proof is claimed in the fleet's record. */
  replayKey(proofId: string): { readonly key: string; readonly ttlMs: number } {
    return { key: this.replay!.sharedKey(proofId), ttlMs: this.replay!.ttlMs };
  }

  /** Claims a proof in the fleet's record (one round trip): false when another replica had it already. */
  claimInFleet(proofId: string): Promise<boolean> {
    return this.replay!.claimInFleet(proofId);
  }

  /** The header that hands a client the current nonce (RFC 9449 §8.2), when nonces are on. */
  nonceHeader(): Record<string, string> {
    return this.nonces ? { 'DPoP-Nonce': this.nonces.current() } : {};
  }

  private async prove(req: IncomingMessage, proof: string, accessToken: string, jkt: string): Promise<DpopVerdict> {
    const verified = await this.verifier!.verify({ proof, method: req.method ?? '', accessToken, jkt });
    if (verified instanceof DpopRejection) return verified;
    const proofId = this.replay!.proofId(verified.jkt, verified.jti);
    if (!this.replay!.firstSeenHere(proofId)) return new DpopRejection('dpop_proof_replayed');
    const current = this.nonces?.current();
    return current !== undefined && current !== verified.nonce ? { proofId, nextNonce: current } : { proofId };
  }
}
