/**
 * Whether an issuer's access tokens may, or must, be sender-constrained with DPoP (RFC 9449):
 * - `'off'` (default): only `Authorization: Bearer`; a token bound to a DPoP key (`cnf.jkt`) is refused,
 *   since accepting it as a bearer token would undo the binding its issuer made;
 * - `'allowed'`: `Bearer` for unbound tokens, `DPoP` with a proof for bound ones;
 * - `'required'`: only DPoP-bound tokens, each request with its proof.
 */
export type DpopMode = (typeof DPOP_MODES)[number];

/** The DPoP modes, for validation. */
export const DPOP_MODES = ['off', 'allowed', 'required'] as const;

/** Asymmetric JWS algorithms a DPoP proof may be signed with (RFC 9449 §4.3 step 5: never `none`, never a MAC). */
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/** Every algorithm the library can verify a proof with; the default allow-list. */
export const DPOP_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
] as const;

/**
 * How DPoP proofs (RFC 9449) are checked at this resource server. Each issuer says whether its
 * tokens may or must be DPoP-bound (`dpop` on the issuer, default: {@link mode}).
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   resourceUrl: 'https://api.example.com/mcp',
 *   issuers: [keycloak({ url: 'https://sso.example.com', realm: 'acme', dpop: 'required' })],
 *   dpop: { nonce: { secret: process.env.DPOP_NONCE_SECRET! } },
 * })
 * ```
 */
export interface McpDpopOptions {
  /** The mode of every issuer that names none itself (the top-level `issuer` included). Default `'off'`. */
  mode?: DpopMode;
  /** Algorithms a proof may be signed with. Default: every asymmetric one ({@link DPOP_ALGORITHMS}). */
  algorithms?: DpopAlgorithm[];
  /**
   * How old a proof may be (its `iat`), in seconds; a proof from the future is accepted within
   * the module's `clockToleranceSeconds`. Each proof's `jti` is remembered this long (plus the
   * tolerance) so it is accepted once. Default 60, at most 300.
   */
  maxProofAgeSeconds?: number;
  /**
   * Server-provided nonces (RFC 9449 §9): every proof must carry a nonce this server minted
   * recently, else the request is answered 401 `use_dpop_nonce` with a fresh one in `DPoP-Nonce`.
   * Stateless: a nonce is an HMAC of its minting time, so every replica with the same secret
   * accepts the others' nonces. Off unless given.
   */
  nonce?: DpopNonceOptions;
  /**
   * Most proof identifiers (`jti`) this instance remembers at once; past it the oldest are
   * forgotten early (logged). With `redis` the fleet's record in Redis decides, without a bound.
   * Size it above proofs per second × twice `maxProofAgeSeconds`. Default 100 000.
   */
  replayCacheMaxEntries?: number;
}

/** Stateless server nonces for DPoP proofs. */
export interface DpopNonceOptions {
  /**
   * HMAC key of at least 32 bytes, shared by every replica. A list rotates it: nonces are
   * minted with the first and accepted with any (e.g. `[next, current]` while rolling out `next`).
   */
  secret: string | string[];
  /** How long a nonce is accepted after it was minted, in seconds. Default 300; at least 10. */
  lifetimeSeconds?: number;
}

/** {@link McpDpopOptions} after validation: the module-wide rules, and what the issuers' modes add up to. */
export interface ResolvedDpopOptions {
  readonly algorithms: readonly DpopAlgorithm[];
  readonly maxProofAgeSeconds: number;
  readonly nonce?: { readonly secrets: readonly Buffer[]; readonly lifetimeSeconds: number };
  readonly replayCacheMaxEntries: number;
  /** Some issuer's tokens may come with DPoP: the `DPoP` scheme is accepted and advertised. */
  readonly accepted: boolean;
  /** Every issuer requires DPoP (RFC 9728 `dpop_bound_access_tokens_required`). */
  readonly required: boolean;
}
