import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { hasValidSignature, jwkThumbprint, proofKey } from './proof-signature.js';

/** A proof signed with jose, and the public JWK it carries. */
async function signed(alg: string, options: Record<string, unknown> = {}): Promise<{ proof: string; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await exportJWK(publicKey);
  const proof = await new SignJWT({ htm: 'POST', htu: 'https://api.example/mcp', jti: 'j', iat: 1 })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
    .sign(privateKey);
  return { proof, jwk };
}

describe('DPoP proof signatures (node:crypto)', () => {
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'PS384', 'EdDSA'])(
    'verifies a %s proof jose signed, and refuses it altered',
    async (alg) => {
      const { proof, jwk } = await signed(alg);
      const key = proofKey(jwk as Record<string, unknown>, alg)!;
      expect(key).toBeDefined();
      expect(hasValidSignature(proof, alg, key)).toBe(true);
      const [header, payload, signature] = proof.split('.');
      const altered = Buffer.from(payload, 'base64url').toString().replace('"POST"', '"GET"');
      expect(hasValidSignature(`${header}.${Buffer.from(altered).toString('base64url')}.${signature}`, alg, key)).toBe(false);
      expect(hasValidSignature(`${header}.${payload}.${signature.slice(0, -4)}AAAA`, alg, key)).toBe(false);
    },
  );

  it('refuses a key of another type, curve or size than the algorithm names', async () => {
    const { jwk: p256 } = await signed('ES256');
    expect(proofKey(p256 as Record<string, unknown>, 'ES384')).toBeUndefined();
    expect(proofKey(p256 as Record<string, unknown>, 'RS256')).toBeUndefined();
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    expect(proofKey(small as Record<string, unknown>, 'RS256')).toBeUndefined();
    expect(proofKey({ kty: 'EC', crv: 'P-256', x: 'not-a-point', y: 'nope' }, 'ES256')).toBeUndefined();
    expect(proofKey({ kty: 'oct', k: 'c2VjcmV0' }, 'ES256')).toBeUndefined();
  });

  it('computes the RFC 7638 thumbprint jose computes, for EC, RSA and OKP keys; nothing for a key lacking a member', async () => {
    for (const alg of ['ES256', 'RS256', 'EdDSA']) {
      const { jwk } = await signed(alg);
      expect(jwkThumbprint(jwk as Record<string, unknown>)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    }
    expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'x' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'oct', k: 'c2VjcmV0' })).toBeUndefined();
  });
});
