import { Client, ClientCredentialsProvider, DpopSession, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT, decodeJwt } from 'jose';
import type { JWK } from 'jose';
import { DPOP_ALGORITHMS } from 'nestjs-mcp-auth';
import { DpopNonces } from '../libs/mcp-auth/src/authentication/dpop/dpop-nonces.js';
import { TestDpopKey, dpopBoundToken, dpopHeaders } from './support/dpop.js';
import { post, rpc, startHarness, toolJson } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { MODERN, modernCall, modernHeaders } from './support/modern.js';
import { nodePost } from './support/node-post.js';
import { describeOnPlatforms } from './support/platforms.js';
import { answerOf } from './support/sse.js';

/** Every algorithm the example accepts for proofs (the library's default list), as `algs` and the metadata name them. */
const ALGS = DPOP_ALGORITHMS.join(' ');

/** The refusals by hand-built proofs (RFC 9449 §4.3, §7), each with its status and challenge, on both platforms. */
describeOnPlatforms('DPoP-bound tokens (MCP_DPOP=allowed, the example default)', (_platform, onPlatform) => {
  let h: Harness;
  let key: TestDpopKey;
  let bound: string;

  beforeAll(async () => {
    h = await startHarness({ ...onPlatform, MCP_STATELESS: 'true' });
    key = await TestDpopKey.create();
    bound = (await dpopBoundToken(h.idp, 'demo-reader', key)).token;
  });
  afterAll(() => h?.close());

  /** A proof for a POST of `bound` to the resource, as a well-behaved client makes it. */
  const proofFor = (claims: Partial<Parameters<TestDpopKey['proof']>[0]> = {}, signer = key) =>
    signer.proof({ htu: h.resourceUrl, accessToken: bound, ...claims });

  const callWith = (headers: Record<string, string>) => post(h.resourceUrl, rpc.callTool('whoami'), { headers });

  /** The exact challenge of a refusal on the DPoP scheme; `andBearer` when it is about the choice of scheme. */
  const dpopChallenge = (error: string, description: string, andBearer = false) =>
    `DPoP error="${error}", error_description="${description}", resource_metadata="${h.metadataUrl}", algs="${ALGS}"${
      andBearer ? `, Bearer resource_metadata="${h.metadataUrl}"` : ''
    }`;

  it('the embedded provider binds a token to the key that signed the token request (token_type DPoP, cnf.jkt)', async () => {
    const issued = await dpopBoundToken(h.idp, 'demo-writer', key);
    expect(issued.tokenType).toBe('DPoP');
    expect(decodeJwt(issued.token)).toMatchObject({ cnf: { jkt: key.jkt }, aud: h.resourceUrl, client_id: 'demo-writer' });
  });

  it('calls a tool with the DPoP scheme and a fresh proof per request, on both eras', async () => {
    const legacy = await callWith(dpopHeaders(bound, await proofFor()));
    expect(legacy.status).toBe(200);
    expect(toolJson((await answerOf(legacy)).result)).toMatchObject({ sub: 'demo-reader', clientId: 'demo-reader' });

    const modern = await post(h.resourceUrl, modernCall('whoami'), {
      headers: { ...modernHeaders('tools/call', 'whoami'), ...dpopHeaders(bound, await proofFor()) },
    });
    expect(modern.status).toBe(200);
    expect(toolJson((await answerOf(modern)).result)).toMatchObject({ sub: 'demo-reader' });
  });

  it('answers a request without credentials with both schemes, each naming the metadata and the scope', async () => {
    const response = await post(h.resourceUrl, rpc.initialize());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer scope="User.Read", resource_metadata="${h.metadataUrl}", DPoP scope="User.Read", resource_metadata="${h.metadataUrl}", algs="${ALGS}"`,
    );
  });

  it('advertises DPoP in the protected resource metadata (RFC 9728), not required', async () => {
    const metadata = (await (await fetch(h.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS], dpop_bound_access_tokens_required: false });
  });

  it('lets a browser send the DPoP header and read DPoP-Nonce (CORS)', async () => {
    const response = await fetch(h.resourceUrl, {
      method: 'OPTIONS',
      headers: { origin: new URL(h.resourceUrl).origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/\bDPoP\b/);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/\bDPoP-Nonce\b/);
  });

  describe('refusals by hand-built proofs: 401 with the DPoP challenge', () => {
    it('a proof for another method (htm)', async () => {
      const response = await callWith(dpopHeaders(bound, await proofFor({ htm: 'GET' })));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        dpopChallenge('invalid_dpop_proof', 'The DPoP proof was made for another HTTP method (htm)'),
      );
    });

    it('a proof for another URL (htu), even with a Host header that would have matched it', async () => {
      const proof = await proofFor({ htu: 'http://evil.example/mcp' });
      const response = await nodePost(h.resourceUrl, JSON.stringify(rpc.callTool('whoami')), {
        ...dpopHeaders(bound, proof),
        host: 'evil.example',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe(
        dpopChallenge('invalid_dpop_proof', 'The DPoP proof was made for another URL (htu)'),
      );
    });

    it('a proof for the right URL with a query and fragment is the right URL (RFC 9449 §4.3 step 9)', async () => {
      const response = await callWith(dpopHeaders(bound, await proofFor({ htu: `${h.resourceUrl}?page=2#top` })));
      expect(response.status).toBe(200);
    });

    it.each([
      ['stale', -120, 'The DPoP proof is too old (iat)'],
      ['future', 60, 'The DPoP proof was issued in the future (iat)'],
    ])('a %s proof (iat)', async (_case, offset, description) => {
      const response = await callWith(dpopHeaders(bound, await proofFor({ iat: Math.floor(Date.now() / 1000) + offset })));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(dpopChallenge('invalid_dpop_proof', description));
    });

    it('a proof used twice (jti): accepted once, refused the second time', async () => {
      const proof = await proofFor();
      expect((await callWith(dpopHeaders(bound, proof))).status).toBe(200);
      const replayed = await callWith(dpopHeaders(bound, proof));
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toBe(dpopChallenge('invalid_dpop_proof', 'The DPoP proof was used before (jti)'));
    });

    it('a proof made for another access token (ath)', async () => {
      const response = await callWith(dpopHeaders(bound, await proofFor({ accessToken: `${bound}x` })));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        dpopChallenge('invalid_dpop_proof', 'The DPoP proof was made for another access token (ath)'),
      );
    });

    it('a proof signed with another key than the token is bound to (cnf.jkt): invalid_token, as RFC 9449 §7.1 shows', async () => {
      const thief = await TestDpopKey.create();
      const response = await callWith(dpopHeaders(bound, await proofFor({}, thief)));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        dpopChallenge('invalid_token', 'Invalid DPoP key binding: the proof is signed with another key than the token is bound to'),
      );
    });

    it('an HMAC proof and an unsigned (none) proof', async () => {
      const secret = new TextEncoder().encode('s'.repeat(32));
      const claims = { jti: 'hmac', htm: 'POST', htu: h.resourceUrl, iat: Math.floor(Date.now() / 1000) };
      const hmac = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } as JWK })
        .sign(secret);
      const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${segment({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${segment({ ...claims, jti: 'none' })}.`;
      for (const proof of [hmac, `${unsigned}AA`]) {
        const response = await callWith(dpopHeaders(bound, proof));
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(
          dpopChallenge('invalid_dpop_proof', 'The DPoP proof is signed with an algorithm this server does not accept'),
        );
      }
    });

    it('a proof whose header carries the private key', async () => {
      const response = await callWith(dpopHeaders(bound, await proofFor({ header: { jwk: key.privateJwk } })));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        dpopChallenge('invalid_dpop_proof', 'The DPoP proof header carries a private key'),
      );
    });

    it('two DPoP headers', async () => {
      // Raw headers: Node's client then adds none of its own, the Host included.
      const raw = [
        'host',
        new URL(h.resourceUrl).host,
        'authorization',
        `DPoP ${bound}`,
        'DPoP',
        await proofFor(),
        'DPoP',
        await proofFor(),
        'content-type',
        'application/json',
        'accept',
        'application/json, text/event-stream',
        'mcp-protocol-version',
        '2025-11-25',
      ];
      const response = await nodePost(h.resourceUrl, JSON.stringify(rpc.callTool('whoami')), raw);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe(dpopChallenge('invalid_dpop_proof', 'The request has more than one DPoP header'));
    });

    it('the DPoP scheme without a proof', async () => {
      const response = await callWith({ authorization: `DPoP ${bound}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        dpopChallenge('invalid_dpop_proof', 'A DPoP proof (DPoP header) is required with the DPoP scheme'),
      );
    });

    it('a bound token sent as Bearer (RFC 9449 §7.2): invalid_token on the Bearer challenge', async () => {
      const response = await callWith({ authorization: `Bearer ${bound}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="The access token is bound to a DPoP key: present it with the DPoP scheme and a proof", resource_metadata="${h.metadataUrl}", DPoP resource_metadata="${h.metadataUrl}", algs="${ALGS}"`,
      );
    });

    it('an unbound token sent with the DPoP scheme', async () => {
      const unbound = await h.token('demo-reader');
      const response = await callWith(dpopHeaders(unbound, await key.proof({ htu: h.resourceUrl, accessToken: unbound })));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        dpopChallenge('invalid_token', 'The access token is not bound to a DPoP key (no cnf.jkt): present it with the Bearer scheme', true),
      );
    });

    it('while an unbound token sent as Bearer is still welcome', async () => {
      expect((await callWith({ authorization: `Bearer ${await h.token('demo-reader')}` })).status).toBe(200);
    });
  });
});

describeOnPlatforms('DPoP with server nonces (MCP_DPOP_NONCE_SECRET)', (_platform, onPlatform) => {
  const secret = 'n'.repeat(48);
  let h: Harness;
  let key: TestDpopKey;
  let bound: string;

  beforeAll(async () => {
    h = await startHarness({ ...onPlatform, MCP_STATELESS: 'true', MCP_DPOP_NONCE_SECRET: secret });
    key = await TestDpopKey.create();
    bound = (await dpopBoundToken(h.idp, 'demo-reader', key)).token;
  });
  afterAll(() => h?.close());

  const callWith = async (nonce?: string) =>
    post(h.resourceUrl, rpc.callTool('whoami'), {
      headers: dpopHeaders(bound, await key.proof({ htu: h.resourceUrl, accessToken: bound, nonce })),
    });

  it('asks for a nonce (401 use_dpop_nonce, DPoP-Nonce), and takes the proof that carries it', async () => {
    const first = await callWith();
    expect(first.status).toBe(401);
    expect(first.headers.get('www-authenticate')).toBe(
      `DPoP error="use_dpop_nonce", error_description="This server requires a nonce in the DPoP proof", resource_metadata="${h.metadataUrl}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
    );
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);

    const retried = await callWith(nonce!);
    expect(retried.status).toBe(200);
    expect(toolJson((await answerOf(retried)).result)).toMatchObject({ sub: 'demo-reader' });
  });

  it('the official v2 client gets a bound token, meets use_dpop_nonce and retries with the nonce by itself', async () => {
    /** The SDK's client-credentials provider, opted in to DPoP as its docs show: `dpop()` returns one session. */
    class DpopClientCredentials extends ClientCredentialsProvider {
      readonly session = DpopSession.create();
      dpop() {
        return this.session;
      }
    }
    const provider = new DpopClientCredentials({
      clientId: 'demo-writer',
      clientSecret: 'demo-writer-secret',
      expectedIssuer: h.idp.issuer,
    });
    const client = new Client({ name: 'e2e-dpop-nonce', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(h.resourceUrl), { authProvider: provider }));
    try {
      expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ sub: 'demo-writer' });
      expect(decodeJwt(provider.tokens()!.access_token)).toMatchObject({ cnf: { jkt: (await provider.session).thumbprint } });
      expect((await provider.session).nonceFor(h.resourceUrl)).toEqual(expect.any(String));
    } finally {
      await client.close();
    }
  });

  it('refuses a nonce minted with another server key: use_dpop_nonce again, with one of its own', async () => {
    const foreign = new DpopNonces({
      secrets: [Buffer.from('o'.repeat(48))],
      lifetimeSeconds: 300,
      resource: h.resourceUrl,
      clockToleranceSeconds: 5,
    }).current();
    const response = await callWith(foreign);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^DPoP error="use_dpop_nonce", error_description="The DPoP proof nonce is not one of this server's current nonces"/,
    );
    expect(response.headers.get('dpop-nonce')).not.toBe(foreign);
    expect((await callWith(response.headers.get('dpop-nonce')!)).status).toBe(200);
  });
});

describe('DPoP required (MCP_DPOP=required)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_STATELESS: 'true', MCP_DPOP: 'required' });
  });
  afterAll(() => h?.close());

  it('names DPoP alone in its challenges and says so in its metadata', async () => {
    const anonymous = await post(h.resourceUrl, rpc.initialize());
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `DPoP scope="User.Read", resource_metadata="${h.metadataUrl}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
    );
    const metadata = (await (await fetch(h.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata.dpop_bound_access_tokens_required).toBe(true);
  });

  it('refuses an unbound bearer token, and takes a bound one with its proof', async () => {
    const unbound = await post(h.resourceUrl, rpc.callTool('whoami'), { token: await h.token('demo-reader') });
    expect(unbound.status).toBe(401);
    expect(unbound.headers.get('www-authenticate')).toBe(
      `DPoP error="invalid_token", error_description="This server requires DPoP-bound access tokens, presented with the DPoP scheme", resource_metadata="${h.metadataUrl}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
    );
    const key = await TestDpopKey.create();
    const { token } = await dpopBoundToken(h.idp, 'demo-reader', key);
    const proof = await key.proof({ htu: h.resourceUrl, accessToken: token });
    expect((await post(h.resourceUrl, rpc.callTool('whoami'), { headers: dpopHeaders(token, proof) })).status).toBe(200);
  });
});

describe('DPoP off (MCP_DPOP=off)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_STATELESS: 'true', MCP_DPOP: 'off' });
  });
  afterAll(() => h?.close());

  it('reads no DPoP scheme (400, as before), advertises nothing, and still refuses a bound token as Bearer', async () => {
    const key = await TestDpopKey.create();
    const { token } = await dpopBoundToken(h.idp, 'demo-reader', key);
    const dpop = await post(h.resourceUrl, rpc.callTool('whoami'), {
      headers: dpopHeaders(token, await key.proof({ htu: h.resourceUrl, accessToken: token })),
    });
    expect(dpop.status).toBe(400);
    expect(dpop.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_request", error_description="The Authorization header must be 'Bearer <access token>'", resource_metadata="${h.metadataUrl}"`,
    );
    const metadata = (await (await fetch(h.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).not.toHaveProperty('dpop_signing_alg_values_supported');

    const asBearer = await post(h.resourceUrl, rpc.callTool('whoami'), { token });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="The access token is bound to a DPoP key, and this server does not accept DPoP-bound tokens", resource_metadata="${h.metadataUrl}"`,
    );
  });
});

describe('DPoP with an introspected token (the introspection answer names the key, RFC 9449 §6.2)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_STATELESS: 'true', MCP_AUTH_MODE: 'introspection' });
  });
  afterAll(() => h?.close());

  it('accepts an opaque DPoP-bound token with its proof, refuses it as Bearer and with another key', async () => {
    const key = await TestDpopKey.create();
    const { token, tokenType } = await dpopBoundToken(h.idp, 'demo-writer', key);
    expect(tokenType).toBe('DPoP');
    expect(token.split('.')).toHaveLength(1); // opaque: only introspection can say it is bound

    const proved = await post(h.resourceUrl, rpc.callTool('whoami'), {
      headers: dpopHeaders(token, await key.proof({ htu: h.resourceUrl, accessToken: token })),
    });
    expect(proved.status).toBe(200);
    expect(toolJson((await answerOf(proved)).result)).toMatchObject({ sub: 'demo-writer' });

    const asBearer = await post(h.resourceUrl, rpc.callTool('whoami'), { token });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", error_description="The access token is bound to a DPoP key/,
    );

    const thief = await TestDpopKey.create();
    const stolen = await post(h.resourceUrl, rpc.callTool('whoami'), {
      headers: dpopHeaders(token, await thief.proof({ htu: h.resourceUrl, accessToken: token })),
    });
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token", error_description="Invalid DPoP key binding/);
  });
});
