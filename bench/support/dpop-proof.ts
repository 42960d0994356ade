import { generateKeyPairSync, hash, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * A DPoP client for the load generator: one P-256 key, and a fresh ES256 proof per request
 * (RFC 9449 §4.2: each proof is accepted once), signed synchronously with `node:crypto` so that
 * autocannon's `setupRequest` hook can add it. Costs the load generator about 40 µs per request.
 */
export class BenchDpopClient {
  private readonly privateKey: KeyObject;
  private readonly header: string;
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of the bench's bound token. */
  readonly jkt: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
    this.privateKey = privateKey;
    // The thumbprint hashes the required members in lexicographic order (RFC 7638 §3.2).
    this.jkt = hash('sha256', JSON.stringify({ crv, kty, x, y }), 'base64url');
    this.header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: { crv, kty, x, y } })).toString('base64url');
  }

  /** A proof for a POST of `accessToken` to `htu`. */
  proof(htu: string, accessToken: string): string {
    const payload = Buffer.from(
      JSON.stringify({
        jti: randomBytes(16).toString('base64url'),
        htm: 'POST',
        htu,
        iat: Math.floor(Date.now() / 1000),
        ath: hash('sha256', accessToken, 'base64url'),
      }),
    ).toString('base64url');
    const signingInput = `${this.header}.${payload}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}
