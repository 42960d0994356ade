/**
 * Why a request was refused for DPoP reasons: its proof (RFC 9449 §4.3), its nonce (§9),
 * or how its token was presented (§7). Each code maps to one challenge error; audit sinks
 * and metrics branch on the code, never on the description.
 */
export type DpopRejectionCode = (typeof DPOP_REJECTION_CODES)[number];

/** Every {@link DpopRejectionCode}: a fixed set, so metrics labels stay bounded. */
export const DPOP_REJECTION_CODES = [
  'dpop_proof_missing',
  'dpop_proof_multiple',
  'dpop_proof_malformed',
  'dpop_proof_unsupported_algorithm',
  'dpop_proof_private_key',
  'dpop_proof_invalid_signature',
  'dpop_proof_wrong_method',
  'dpop_proof_wrong_url',
  'dpop_proof_stale',
  'dpop_proof_future',
  'dpop_proof_wrong_token',
  'dpop_proof_wrong_key',
  'dpop_proof_replayed',
  'dpop_nonce_required',
  'dpop_nonce_invalid',
  'dpop_bound_token_as_bearer',
  'dpop_required',
  'dpop_not_accepted',
  'dpop_unbound_token',
] as const;

/** The `error` of the challenge a rejection gets (RFC 9449 §7.1, §9; RFC 6750 §3.1). */
export type DpopChallengeError = 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token';

const DESCRIPTIONS: Record<DpopRejectionCode, string> = {
  dpop_proof_missing: 'A DPoP proof (DPoP header) is required with the DPoP scheme',
  dpop_proof_multiple: 'The request has more than one DPoP header',
  dpop_proof_malformed: 'The DPoP proof is not a well-formed DPoP proof JWT',
  dpop_proof_unsupported_algorithm: 'The DPoP proof is signed with an algorithm this server does not accept',
  dpop_proof_private_key: 'The DPoP proof header carries a private key',
  dpop_proof_invalid_signature: 'The DPoP proof signature is invalid',
  dpop_proof_wrong_method: 'The DPoP proof was made for another HTTP method (htm)',
  dpop_proof_wrong_url: 'The DPoP proof was made for another URL (htu)',
  dpop_proof_stale: 'The DPoP proof is too old (iat)',
  dpop_proof_future: 'The DPoP proof was issued in the future (iat)',
  dpop_proof_wrong_token: 'The DPoP proof was made for another access token (ath)',
  // RFC 9449 §7.1's own example answers a failed key binding with invalid_token.
  dpop_proof_wrong_key: 'Invalid DPoP key binding: the proof is signed with another key than the token is bound to',
  dpop_proof_replayed: 'The DPoP proof was used before (jti)',
  dpop_nonce_required: 'This server requires a nonce in the DPoP proof',
  dpop_nonce_invalid: "The DPoP proof nonce is not one of this server's current nonces",
  dpop_bound_token_as_bearer: 'The access token is bound to a DPoP key: present it with the DPoP scheme and a proof',
  dpop_required: 'This server requires DPoP-bound access tokens, presented with the DPoP scheme',
  dpop_not_accepted: 'This credential is not accepted with the DPoP scheme',
  dpop_unbound_token: 'The access token is not bound to a DPoP key (no cnf.jkt): present it with the Bearer scheme',
};

/** A refusal for DPoP reasons: a stable `code` and a description safe to send to the client. */
export class DpopRejection extends Error {
  override readonly name = 'DpopRejection';

  constructor(
    readonly code: DpopRejectionCode,
    /** Safe to show the client: fixed text, never a value the caller sent. */
    readonly description: string = DESCRIPTIONS[code],
  ) {
    super(description);
  }

  /**
   * True when the refusal is about which scheme the token must come with (a bound token sent as
   * Bearer, DPoP required, an unbound or foreign token sent as DPoP): the challenge then names
   * the other scheme too.
   */
  get aboutScheme(): boolean {
    return ['dpop_bound_token_as_bearer', 'dpop_required', 'dpop_not_accepted', 'dpop_unbound_token'].includes(this.code);
  }

  /** The challenge error this refusal is answered with. */
  get error(): DpopChallengeError {
    switch (this.code) {
      case 'dpop_nonce_required':
      case 'dpop_nonce_invalid':
        return 'use_dpop_nonce';
      case 'dpop_proof_wrong_key':
      case 'dpop_bound_token_as_bearer':
      case 'dpop_required':
      case 'dpop_not_accepted':
      case 'dpop_unbound_token':
        return 'invalid_token';
      default:
        return 'invalid_dpop_proof';
    }
  }
}
