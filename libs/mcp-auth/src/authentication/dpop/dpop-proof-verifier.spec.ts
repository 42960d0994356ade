import { hash } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { DpopNonces } from './dpop-nonces.js';
import { DpopProofVerifier } from './dpop-proof-verifier.js';
import type { DpopProofVerifierOptions } from './dpop-proof-verifier.js';
import { DpopRejection } from './dpop-rejection.js';

const RESOURCE = 'https://api.example.com/mcp';
const TOKEN = 'header.payload.signature';
const NOW = 1_800_000_000_000;

describe('DpopProofVerifier', () => {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  let jkt: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
    jkt = await calculateJwkThumbprint(publicJwk);
  });

  function verifier(options: Partial<DpopProofVerifierOptions> = {}) {
    return new DpopProofVerifier({
      algorithms: ['ES256', 'PS256'],
      maxProofAgeSeconds: 60,
      clockToleranceSeconds: 5,
      resourceUrl: RESOURCE,
      now: () => NOW,
      ...options,
    });
  }

  function proof(claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({
      jti: 'a-unique-id',
      htm: 'POST',
      htu: RESOURCE,
      iat: NOW / 1000,
      ath: hash('sha256', TOKEN, 'base64url'),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk, ...header })
      .sign(privateKey);
  }

  async function verdict(proofText: string, presented: { method?: string; accessToken?: string; jkt?: string } = {}, options = {}) {
    return verifier(options).verify({ proof: proofText, method: 'POST', accessToken: TOKEN, jkt, ...presented });
  }

  const codeOf = (result: unknown) => (result instanceof DpopRejection ? result.code : 'accepted');

  it('accepts a proof that matches the request, the URL, the token and the key, and names its key and jti', async () => {
    expect(await verdict(await proof())).toEqual({ jkt, jti: 'a-unique-id' });
  });

  it('compares htu without query and fragment, normalised (host case, default port)', async () => {
    expect(codeOf(await verdict(await proof({ htu: 'HTTPS://API.example.com:443/mcp?x=1#f' })))).toBe('accepted');
  });

  it.each([
    ['another path', 'https://api.example.com/mcp/'],
    ['another host', 'https://evil.example/mcp'],
    ['another scheme', 'http://api.example.com/mcp'],
    ['user info', 'https://user@api.example.com/mcp'],
    ['not a URL', 'mcp'],
  ])('refuses an htu naming %s', async (_case, htu) => {
    expect(codeOf(await verdict(await proof({ htu })))).toBe('dpop_proof_wrong_url');
  });

  it('refuses another method, another token, another key', async () => {
    expect(codeOf(await verdict(await proof({ htm: 'GET' })))).toBe('dpop_proof_wrong_method');
    expect(codeOf(await verdict(await proof(), { accessToken: `${TOKEN}x` }))).toBe('dpop_proof_wrong_token');
    expect(codeOf(await verdict(await proof(), { jkt: 'A'.repeat(43) }))).toBe('dpop_proof_wrong_key');
  });

  it('holds iat to the window: the age plus the tolerance in the past, the tolerance in the future', async () => {
    const at = (seconds: number) => proof({ iat: NOW / 1000 + seconds });
    expect(codeOf(await verdict(await at(-65)))).toBe('accepted');
    expect(codeOf(await verdict(await at(-66)))).toBe('dpop_proof_stale');
    expect(codeOf(await verdict(await at(5)))).toBe('accepted');
    expect(codeOf(await verdict(await at(6)))).toBe('dpop_proof_future');
  });

  it('refuses none, HMAC and algorithms off the list before looking at the signature', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: publicJwk })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ jti: 'x', htm: 'POST', htu: RESOURCE, iat: NOW / 1000 }),
    ).toString('base64url')}.AA`;
    expect(codeOf(await verdict(unsigned))).toBe('dpop_proof_unsupported_algorithm');
    const secret = new TextEncoder().encode('s'.repeat(32));
    const hmac = await new SignJWT({ jti: 'x', htm: 'POST', htu: RESOURCE, iat: NOW / 1000 })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } as JWK })
      .sign(secret);
    expect(codeOf(await verdict(hmac))).toBe('dpop_proof_unsupported_algorithm');
    expect(codeOf(await verdict(await proof(), {}, { algorithms: ['PS256'] }))).toBe('dpop_proof_unsupported_algorithm');
  });

  it('refuses a private key in the header, a missing jwk, another typ, and a bad signature', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    expect(codeOf(await verdict(await proof({}, { jwk: privateJwk })))).toBe('dpop_proof_private_key');
    expect(codeOf(await verdict(await proof({}, { jwk: undefined })))).toBe('dpop_proof_malformed');
    expect(codeOf(await verdict(await proof({}, { typ: 'JWT' })))).toBe('dpop_proof_malformed');
    // Signed with one key, naming another in its header.
    const otherJwk = await exportJWK(pair.publicKey);
    expect(codeOf(await verdict(await proof({}, { jwk: otherJwk }), { jkt: await calculateJwkThumbprint(otherJwk) }))).toBe(
      'dpop_proof_invalid_signature',
    );
  });

  it('refuses what is not a proof at all, or lacks a required claim', async () => {
    expect(codeOf(await verdict('not a jwt'))).toBe('dpop_proof_malformed');
    // Valid but for its length: over 8 KiB.
    expect(codeOf(await verdict(await proof({ padding: 'x'.repeat(9000) })))).toBe('dpop_proof_malformed');
    expect(codeOf(await verdict(await proof({ jti: undefined })))).toBe('dpop_proof_malformed');
    expect(codeOf(await verdict(await proof({ jti: 'x'.repeat(300) })))).toBe('dpop_proof_malformed');
    expect(codeOf(await verdict(await proof({ iat: undefined })))).toBe('dpop_proof_malformed');
  });

  describe('with server nonces', () => {
    const secret = Buffer.from('k'.repeat(32));
    const nonces = new DpopNonces({
      secrets: [secret],
      lifetimeSeconds: 300,
      resource: RESOURCE,
      clockToleranceSeconds: 5,
      now: () => NOW,
    });

    it('asks for a nonce, refuses a foreign one, accepts the current one and reports it', async () => {
      expect(codeOf(await verdict(await proof(), {}, { nonces }))).toBe('dpop_nonce_required');
      const foreign = new DpopNonces({
        secrets: [Buffer.from('o'.repeat(32))],
        lifetimeSeconds: 300,
        resource: RESOURCE,
        clockToleranceSeconds: 5,
        now: () => NOW,
      });
      expect(codeOf(await verdict(await proof({ nonce: foreign.current() }), {}, { nonces }))).toBe('dpop_nonce_invalid');
      expect(await verdict(await proof({ nonce: nonces.current() }), {}, { nonces })).toEqual({
        jkt,
        jti: 'a-unique-id',
        nonce: nonces.current(),
      });
    });
  });
});
