import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, importPKCS8 } from 'jose';
import type { CryptoKey, KeyObject } from 'jose';
import type { DownstreamPrivateKeyJwt, ResolvedDownstream } from './downstream.options.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How long a client assertion is valid: long enough for one request, short enough not to be worth stealing. */
const ASSERTION_LIFETIME_SECONDS = 60;

/**
 * Authenticates this server as a client of the token endpoint, by the configured method:
 * `client_secret_basic` (RFC 6749 §2.3.1, both parts form-encoded before base64),
 * `client_secret_post`, or `private_key_jwt` (RFC 7523 §2.2, a fresh signed assertion
 * per request with its own `jti`). The private key is imported once, on first use.
 */
export class ClientAuthentication {
  private key?: Promise<CryptoKey | KeyObject | Uint8Array>;

  constructor(private readonly config: ResolvedDownstream) {}

  /** Adds the client's credentials to the request's headers or body. */
  async apply(headers: Record<string, string>, body: URLSearchParams, tokenEndpoint: string): Promise<void> {
    const { clientId, clientSecret, clientAuthMethod } = this.config;
    if (clientAuthMethod === 'client_secret_basic') {
      headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret!)}`).toString('base64')}`;
      return;
    }
    body.set('client_id', clientId);
    if (clientAuthMethod === 'client_secret_post') {
      body.set('client_secret', clientSecret!);
      return;
    }
    body.set('client_assertion_type', JWT_BEARER_ASSERTION);
    body.set('client_assertion', await this.assertion(this.config.privateKeyJwt!, tokenEndpoint));
  }

  private async assertion(jwt: DownstreamPrivateKeyJwt, tokenEndpoint: string): Promise<string> {
    const alg = jwt.alg ?? 'RS256';
    this.key ??= typeof jwt.key === 'string' ? importPKCS8(jwt.key, alg) : importJWK(jwt.key, alg);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ ...jwt.header, alg, typ: 'JWT', ...(jwt.kid ? { kid: jwt.kid } : {}) })
      .setIssuer(this.config.clientId)
      .setSubject(this.config.clientId)
      .setAudience(jwt.audience ?? tokenEndpoint)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
      .sign(await this.key);
  }
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
