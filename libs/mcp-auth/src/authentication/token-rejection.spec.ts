import { TokenRejection, rejectionFromVerifierError } from './token-rejection.js';

const named = (name: string, message = '') => Object.assign(new Error(message), { name });

describe('rejectionFromVerifierError', () => {
  it.each([
    [named('TokenExpiredError', 'jwt expired'), 'RS256', 'expired'],
    [named('NotBeforeError', 'jwt not active'), 'RS256', 'not_yet_valid'],
    [named('JsonWebTokenError', 'invalid signature'), 'RS256', 'invalid_signature'],
    [named('JsonWebTokenError', 'jwt audience invalid. expected: x'), 'RS256', 'wrong_audience'],
    [named('JsonWebTokenError', 'jwt issuer invalid. expected: x'), 'RS256', 'wrong_issuer'],
    [named('JsonWebTokenError', 'secret or public key must be provided'), 'RS256', 'unknown_signing_key'],
    [named('JsonWebTokenError', 'secret or public key must be provided'), 'HS256', 'unsupported_algorithm'],
    [named('JsonWebTokenError', 'jwt signature is required'), 'none', 'unsupported_algorithm'],
    [named('JsonWebTokenError', 'invalid exp value'), 'RS256', 'invalid_claim'],
    [named('JwksError', 'The JWKS endpoint did not contain any keys'), 'RS256', 'signing_keys_unavailable'],
    [named('JsonWebTokenError', 'jwt malformed'), undefined, 'malformed'],
    [new Error('No auth token'), undefined, 'malformed'],
  ])('maps %s (alg %s) to %s', (error, alg, code) => {
    expect(rejectionFromVerifierError(error, alg, ['RS256']).code).toBe(code);
  });

  it('passes a TokenRejection through unchanged', () => {
    const rejection = new TokenRejection('missing_expiry');
    expect(rejectionFromVerifierError(rejection, 'RS256', ['RS256'])).toBe(rejection);
  });

  it('never copies the verifier message into the description', () => {
    const rejection = rejectionFromVerifierError(
      named('JsonWebTokenError', 'jwt audience invalid. expected: secret-internal-name'),
      'RS256',
      ['RS256'],
    );
    expect(rejection.description).toBe('The access token was not issued for this resource');
  });
});
