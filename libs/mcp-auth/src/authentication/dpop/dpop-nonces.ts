import { createHmac, timingSafeEqual } from 'node:crypto';

/** `<minted at, seconds, base 36>.<HMAC-SHA256, base64url>`: only RFC 9449 §8.1 NQCHARs. */
const NONCE = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

/** Options of {@link DpopNonces}. */
export interface DpopNoncesOptions {
  /** HMAC keys: the first mints, every one verifies (rotation). */
  readonly secrets: readonly Buffer[];
  /** How long a nonce is accepted after it was minted, in seconds. */
  readonly lifetimeSeconds: number;
  /** The resource the nonces are for (the MCP endpoint's URL): another resource's nonce is not ours. */
  readonly resource: string;
  /** Leeway for a nonce minted by a replica whose clock runs ahead, in seconds. */
  readonly clockToleranceSeconds: number;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/**
 * Stateless server-provided DPoP nonces (RFC 9449 §8, §9). A nonce is the time it was minted
 * and an HMAC of that time (and of this resource) under a secret every replica shares, so
 * any replica accepts what another handed out, and nothing is stored.
 *
 * Written here rather than taken from `oidc-provider` (whose `ServerChallenge` is internal to
 * it): the same idea, time steps under an HMAC, with key rotation and the resource in the MAC.
 *
 * @example
 * ```ts
 * const nonces = new DpopNonces({ secrets: [secret], lifetimeSeconds: 300, resource: 'https://api.example.com/mcp', clockToleranceSeconds: 5 });
 * response.setHeader('DPoP-Nonce', nonces.current());
 * nonces.accepts(proof.nonce); // true within 300 s
 * ```
 */
export class DpopNonces {
  /** A new nonce is minted once per step (a quarter of the lifetime), not per request. */
  private readonly stepSeconds: number;
  private readonly now: () => number;
  private minted?: { readonly at: number; readonly nonce: string };

  constructor(private readonly options: DpopNoncesOptions) {
    this.stepSeconds = Math.max(1, Math.floor(options.lifetimeSeconds / 4));
    this.now = options.now ?? Date.now;
  }

  /** The nonce to hand out now; the same one for a whole step. */
  current(): string {
    const seconds = Math.floor(this.now() / 1000);
    const at = seconds - (seconds % this.stepSeconds);
    if (this.minted?.at !== at)
      this.minted = { at, nonce: `${at.toString(36)}.${this.mac(this.options.secrets[0], at).toString('base64url')}` };
    return this.minted.nonce;
  }

  /** True for a nonce minted under one of the secrets, for this resource, within its lifetime. */
  accepts(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const match = NONCE.exec(nonce);
    if (!match) return false;
    const at = parseInt(match[1], 36);
    const now = Math.floor(this.now() / 1000);
    if (at > now + this.options.clockToleranceSeconds || now - at > this.options.lifetimeSeconds) return false;
    const presented = Buffer.from(match[2], 'base64url');
    return this.options.secrets.some((secret) => timingSafeEqual(presented, this.mac(secret, at)));
  }

  private mac(secret: Buffer, at: number): Buffer {
    return createHmac('sha256', secret).update(`mcp-auth dpop nonce\n${this.options.resource}\n${at}`).digest();
  }
}
