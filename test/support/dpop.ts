import { hash, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import type { DevIdentityProvider } from '../../src/dev-identity-provider/dev-identity-provider.js';
import { DEMO_CLIENTS } from '../../src/dev-identity-provider/demo-clients.js';

/** What a hand-built proof says; every field has the right default for a POST to the resource. */
export interface ProofClaims {
  readonly htm?: string;
  readonly htu: string;
  /** The access token the proof goes with (its hash becomes `ath`); none at a token endpoint. */
  readonly accessToken?: string;
  readonly nonce?: string;
  /** Seconds since the epoch; default now. */
  readonly iat?: number;
  /** Default: a fresh random identifier. */
  readonly jti?: string;
  /** Claims replacing the computed ones (`ath` of another token, no `jti`...). */
  readonly override?: JWTPayload;
  /** Header members replacing the computed ones (`typ`, `jwk`...). */
  readonly header?: Record<string, unknown>;
}

/** A client's DPoP key, signing proofs by hand with `jose` (the tests' own, independent of the SDK's). */
export class TestDpopKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly privateJwk: JWK,
    /** RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to this key. */
    readonly jkt: string,
    readonly alg: string,
  ) {}

  static async create(alg: 'ES256' | 'PS256' | 'RS256' = 'ES256'): Promise<TestDpopKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    return new TestDpopKey(privateKey, publicJwk, await exportJWK(privateKey), await calculateJwkThumbprint(publicJwk), alg);
  }

  /** A DPoP proof (RFC 9449 §4.2) for one request. */
  proof(claims: ProofClaims): Promise<string> {
    const payload: JWTPayload = {
      jti: claims.jti ?? randomUUID(),
      htm: claims.htm ?? 'POST',
      htu: claims.htu,
      iat: claims.iat ?? Math.floor(Date.now() / 1000),
      ...(claims.accessToken !== undefined ? { ath: hash('sha256', claims.accessToken, 'base64url') } : {}),
      ...(claims.nonce !== undefined ? { nonce: claims.nonce } : {}),
      ...claims.override,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.publicJwk, ...claims.header })
      .sign(this.privateKey);
  }
}

/**
 * A DPoP-bound access token from the development provider, as a client gets one (RFC 9449 §5):
 * the client-credentials grant with a proof at the token endpoint. Resolves with the token and
 * the `token_type` the provider answered (`DPoP`).
 */
export async function dpopBoundToken(
  idp: DevIdentityProvider,
  clientId: (typeof DEMO_CLIENTS)[number]['clientId'],
  key: TestDpopKey,
  { scope, resource }: { scope?: string; resource?: string } = {},
): Promise<{ token: string; tokenType: string }> {
  const client = DEMO_CLIENTS.find((candidate) => candidate.clientId === clientId)!;
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: scope ?? client.scopes.join(' ') });
  if (resource) body.set('resource', resource);
  const response = await fetch(idp.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      dpop: await key.proof({ htu: idp.tokenEndpoint }),
    },
    body,
  });
  const json = (await response.json()) as { access_token?: string; token_type?: string; error?: string };
  if (!response.ok || !json.access_token) throw new Error(`DPoP token request failed: ${response.status} ${json.error ?? ''}`);
  return { token: json.access_token, tokenType: json.token_type ?? '' };
}

/** The headers of a DPoP request: the token with the DPoP scheme, and the proof. */
export function dpopHeaders(token: string, proof: string): Record<string, string> {
  return { authorization: `DPoP ${token}`, dpop: proof };
}
