/**
 * Why an access token was refused. Each code maps to one `invalid_token` challenge;
 * callers (and audit sinks) branch on the code, never on the message.
 */
export type TokenRejectionCode =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unsupported_critical_header'
  | 'invalid_signature'
  | 'unknown_signing_key'
  | 'signing_keys_unavailable'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_expiry'
  | 'missing_subject'
  | 'invalid_claim'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'unknown_api_key'
  | 'inactive'
  | 'introspection_unavailable';

const DESCRIPTIONS: Record<TokenRejectionCode, string> = {
  malformed: 'The access token is not a well-formed JWT',
  unsupported_algorithm: 'The access token is signed with an algorithm this server does not accept',
  unsupported_critical_header: 'The access token names critical header parameters (crit) this server does not implement',
  invalid_signature: 'The access token signature is invalid',
  unknown_signing_key: 'The access token was signed with an unknown key',
  signing_keys_unavailable: "The issuer's signing keys could not be retrieved",
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not valid yet',
  missing_expiry: 'The access token has no expiry (exp)',
  missing_subject: 'The access token has no subject (sub)',
  invalid_claim: 'The access token has a claim of the wrong type',
  wrong_issuer: 'The access token was issued by an issuer this server does not trust',
  wrong_audience: 'The access token was not issued for this resource',
  unknown_api_key: 'The API key is not known to this server',
  inactive: 'The access token is not active (revoked, expired or unknown to its issuer)',
  introspection_unavailable: 'The access token could not be checked with its issuer',
};

/** A refused access token: a stable `code` and a description safe to send to the client. */
export class TokenRejection extends Error {
  override readonly name = 'TokenRejection';

  constructor(
    readonly code: TokenRejectionCode,
    /** Safe to show the client: never contains token text. */
    readonly description: string = DESCRIPTIONS[code],
  ) {
    super(description);
  }
}

/**
 * Translates what `jsonwebtoken` (through `passport-jwt`) and `jwks-rsa` report into
 * a rejection. Their messages may quote configuration, never the token; we still
 * replace them with fixed descriptions.
 */
export function rejectionFromVerifierError(error: unknown, headerAlg: string | undefined, allowed: readonly string[]): TokenRejection {
  if (error instanceof TokenRejection) return error;
  const name = (error as { name?: string } | undefined)?.name;
  const message = String((error as { message?: unknown } | undefined)?.message ?? '');
  if (name === 'TokenExpiredError') return new TokenRejection('expired');
  if (name === 'NotBeforeError') return new TokenRejection('not_yet_valid');
  if (name === 'JwksError' || name === 'JwksRateLimitError' || (error as { isEndpointUnavailable?: boolean })?.isEndpointUnavailable) {
    return new TokenRejection('signing_keys_unavailable');
  }
  if (headerAlg !== undefined && !allowed.includes(headerAlg)) return new TokenRejection('unsupported_algorithm');
  if (message === 'invalid signature') return new TokenRejection('invalid_signature');
  if (message === 'secret or public key must be provided' || name === 'SigningKeyNotFoundError') {
    return new TokenRejection('unknown_signing_key');
  }
  if (message === 'invalid algorithm' || message.startsWith('secretOrPublicKey must be')) {
    return new TokenRejection('unsupported_algorithm');
  }
  if (message.startsWith('jwt audience invalid')) return new TokenRejection('wrong_audience');
  if (message.startsWith('jwt issuer invalid')) return new TokenRejection('wrong_issuer');
  if (message === 'invalid exp value' || message === 'invalid nbf value') return new TokenRejection('invalid_claim');
  return new TokenRejection('malformed');
}
