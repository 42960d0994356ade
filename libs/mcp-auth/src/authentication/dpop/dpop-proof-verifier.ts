import type { KeyObject } from 'node:crypto';
import { decodeUnverifiedJwt } from '../jwt-header.js';
import { RecentlyUsedMap } from '../recently-used-map.js';
import { tokenDigest } from '../token-digest.js';
import type { DpopNonces } from './dpop-nonces.js';
import { DpopRejection } from './dpop-rejection.js';
import { hasValidSignature, jwkThumbprint, proofKey } from './proof-signature.js';

/** A compact JWS: three base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** A proof signed with a 4096-bit RSA key, its public key embedded, is under 3 KiB. */
const MAX_PROOF_LENGTH = 8 * 1024;
/** `jti` is the client's random identifier (RFC 9449 §4.2: 96 bits or more); bounded, as it is caller text. */
const MAX_JTI_LENGTH = 256;
/** JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** Public keys imported from proofs, kept by thumbprint: a client signs every proof with the same key. */
const KEY_CACHE_ENTRIES = 1024;

/** Options of {@link DpopProofVerifier}. */
export interface DpopProofVerifierOptions {
  /** Accepted proof algorithms (asymmetric only). */
  readonly algorithms: readonly string[];
  /** How old a proof may be, in seconds. */
  readonly maxProofAgeSeconds: number;
  /** Leeway for clocks, in seconds (also how far in the future `iat` may be). */
  readonly clockToleranceSeconds: number;
  /** The endpoint's configured URL: every proof's `htu` must name it (never built from `Host`). */
  readonly resourceUrl: string;
  /** Server nonces, when proofs must carry one. */
  readonly nonces?: DpopNonces;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/** The request a proof is presented with. */
export interface PresentedDpopProof {
  /** The `DPoP` header's value. */
  readonly proof: string;
  /** The request's HTTP method. */
  readonly method: string;
  /** The access token presented beside the proof (its hash is the proof's `ath`). */
  readonly accessToken: string;
  /** The key the access token is bound to (`cnf.jkt`). */
  readonly jkt: string;
}

/** What a verified proof established. */
export interface VerifiedDpopProof {
  /** The thumbprint of the key that signed it (the token's `cnf.jkt`). */
  readonly jkt: string;
  /** The proof's identifier, to be accepted once. */
  readonly jti: string;
  /** The nonce it carried, if any. */
  readonly nonce?: string;
}

/**
 * Checks one DPoP proof against the request it came with, as RFC 9449 §4.3 lists: a single
 * well-formed JWS with `typ: dpop+jwt`, an allowed asymmetric algorithm, a public `jwk` in its
 * header that verifies the signature, `htm` equal to the request method, `htu` equal to the
 * configured resource URL (query and fragment ignored, both sides normalised as WHATWG URLs,
 * which covers RFC 3986 §6.2.2–6.2.3: case of scheme and host, default port, dot segments),
 * `ath` equal to the access token's SHA-256, a nonce of this server's when nonces are on,
 * `iat` within the window, and the key's thumbprint equal to the token's `cnf.jkt`. Whether
 * the `jti` was seen before is the replay cache's question, asked last by the caller.
 *
 * Each failure is a {@link DpopRejection} with a fixed description: nothing the caller sent
 * is echoed. Header and claims are decoded unverified (jwt-header.ts), the signature
 * checked with node:crypto (see proof-signature.ts for why); the header rules are read
 * first, so `none`, HMAC and private keys get a reason of their own, never a generic failure.
 */
export class DpopProofVerifier {
  private readonly resourceHref: string;
  private readonly now: () => number;
  private readonly keys = new RecentlyUsedMap<string, KeyObject>(KEY_CACHE_ENTRIES);

  constructor(private readonly options: DpopProofVerifierOptions) {
    this.resourceHref = withoutQueryAndFragment(new URL(options.resourceUrl)).href;
    this.now = options.now ?? Date.now;
  }

  async verify(presented: PresentedDpopProof): Promise<VerifiedDpopProof | DpopRejection> {
    const { proof } = presented;
    if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) return new DpopRejection('dpop_proof_malformed');
    const decoded = decodeUnverifiedJwt(proof);
    if (decoded === undefined) return new DpopRejection('dpop_proof_malformed');
    const { header, claims } = decoded;
    if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt') {
      return new DpopRejection('dpop_proof_malformed', "The DPoP proof's header must say typ 'dpop+jwt'");
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.options.algorithms.includes(alg)) return new DpopRejection('dpop_proof_unsupported_algorithm');
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      return new DpopRejection('dpop_proof_malformed', "The DPoP proof's header must carry the public key (jwk)");
    }
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) return new DpopRejection('dpop_proof_private_key');
    if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== alg)) {
      return new DpopRejection('dpop_proof_malformed', "The DPoP proof's key (jwk) is not for signing with its algorithm");
    }

    // Critical header parameters this verifier would have to understand (RFC 7515 §4.1.11): none are defined for proofs.
    if (header.crit !== undefined) return new DpopRejection('dpop_proof_malformed');
    const jkt = jwkThumbprint(jwk);
    const key = jkt === undefined ? undefined : this.keyOf(jwk, alg, jkt);
    if (jkt === undefined || key === undefined) {
      return new DpopRejection('dpop_proof_malformed', "The DPoP proof's key (jwk) is not for signing with its algorithm");
    }
    if (!hasValidSignature(proof, alg, key)) return new DpopRejection('dpop_proof_invalid_signature');

    const { jti, htm, htu, iat, ath, nonce } = claims;
    if (
      typeof jti !== 'string' ||
      jti === '' ||
      jti.length > MAX_JTI_LENGTH ||
      typeof htm !== 'string' ||
      typeof htu !== 'string' ||
      typeof iat !== 'number' ||
      !Number.isFinite(iat)
    ) {
      return new DpopRejection('dpop_proof_malformed', 'The DPoP proof must carry jti, htm, htu and iat');
    }
    if (nonce !== undefined && typeof nonce !== 'string') return new DpopRejection('dpop_proof_malformed');
    if (htm !== presented.method) return new DpopRejection('dpop_proof_wrong_method');
    if (!this.namesThisResource(htu)) return new DpopRejection('dpop_proof_wrong_url');
    if (ath !== tokenDigest(presented.accessToken)) return new DpopRejection('dpop_proof_wrong_token');

    const { nonces } = this.options;
    // RFC 9449 §9: a resource server that requires nonces answers use_dpop_nonce to a proof without one.
    if (nonces && nonce === undefined) return new DpopRejection('dpop_nonce_required');
    if (nonces && !nonces.accepts(nonce)) return new DpopRejection('dpop_nonce_invalid');

    // The window is checked on iat even when a nonce was given: the nonce adds the server's own
    // freshness (RFC 9449 §11.1), it does not stretch how old a proof may be (our reading).
    const now = Math.floor(this.now() / 1000);
    const { maxProofAgeSeconds, clockToleranceSeconds } = this.options;
    if (iat > now + clockToleranceSeconds) return new DpopRejection('dpop_proof_future');
    if (now - iat > maxProofAgeSeconds + clockToleranceSeconds) return new DpopRejection('dpop_proof_stale');

    if (jkt !== presented.jkt) return new DpopRejection('dpop_proof_wrong_key');
    return nonce === undefined ? { jkt, jti } : { jkt, jti, nonce };
  }

  /** `htu` compared with the configured URL, both without query and fragment (RFC 9449 §4.3 step 9). */
  private namesThisResource(htu: string): boolean {
    const url = URL.parse(htu);
    return url !== null && withoutQueryAndFragment(url).href === this.resourceHref;
  }

  private keyOf(jwk: Readonly<Record<string, unknown>>, alg: string, jkt: string): KeyObject | undefined {
    // The thumbprint covers the key's required members (RFC 7638), the algorithm picks how it is used.
    const id = `${alg} ${jkt}`;
    const known = this.keys.get(id);
    if (known) return known;
    const key = proofKey(jwk, alg);
    if (key) this.keys.set(id, key);
    return key;
  }
}

function withoutQueryAndFragment(url: URL): URL {
  url.search = '';
  url.hash = '';
  return url;
}
