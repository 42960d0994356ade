import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';

/** How the JWKS server answers: normally, not at all (until closed), with an error status, or with garbage. */
export type JwksServerMode = 'ok' | 'hang' | 'http-503' | 'garbage' | 'not-a-jwks' | 'reset';

/** A signing key of the fake identity provider: the private half signs, the public JWK is published. */
export interface TestSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

/** A loopback JWKS endpoint whose behaviour and keys a test controls, counting every request it receives. */
export interface JwksServer {
  readonly url: string;
  /** Requests received so far (whatever the mode). */
  readonly requests: number;
  mode: JwksServerMode;
  /** The keys currently published. */
  keys: TestSigningKey[];
  /** Answers every request currently held by `hang` mode normally. */
  release(): void;
  close(): Promise<void>;
}

/** A fresh RSA (RS256) or EC P-256 (ES256) signing key. */
export function newSigningKey(type: 'RSA' | 'EC' = 'RSA', kid = `k-${randomUUID()}`): TestSigningKey {
  const { privateKey, publicKey } =
    type === 'RSA' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: type === 'RSA' ? 'RS256' : 'ES256' } };
}

/** Signs `claims` with `key`, its `kid` and its algorithm in the header unless `header` says otherwise. */
export function signToken(key: TestSigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.jwk.alg as string, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

export async function startJwksServer(keys: TestSigningKey[] = []): Promise<JwksServer> {
  let requests = 0;
  const held: ServerResponse[] = [];
  const state = { mode: 'ok' as JwksServerMode, keys };
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }));
  };
  const server = createServer((req, res) => {
    requests++;
    switch (state.mode) {
      case 'ok':
        return answer(res);
      case 'hang':
        held.push(res);
        return;
      case 'http-503':
        return res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      case 'garbage':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ this is not json');
      case 'not-a-jwks':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
      case 'reset':
        return req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get requests() {
      return requests;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    get keys() {
      return state.keys;
    },
    set keys(next) {
      state.keys = next;
    },
    release() {
      for (const res of held.splice(0)) if (!res.destroyed) answer(res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        held.splice(0).forEach((res) => res.destroy());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
