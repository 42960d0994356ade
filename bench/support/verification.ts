import { createPublicKey, verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { McpAuthModule, McpJwtStrategy } from 'nestjs-mcp-auth';
import type { McpAuthOptions } from 'nestjs-mcp-auth';
import { newSigningKey, signToken, startJwksServer } from '../../test/support/jwks-server.js';
import { CACHED_LABEL, FRESH_CACHED_LABEL, UNCACHED_LABEL } from './verification-labels.js';
import { median } from './median.js';

/** Distinct tokens per method: the first half warms the JIT up, the second is measured. */
const TOKENS = 6000;
/** Measurement passes, alternating the methods; the median is over every pass's samples. */
const PASSES = 3;
const ISSUER = 'https://idp.bench.invalid/realms/bench';
const RESOURCE_URL = 'http://127.0.0.1:1/mcp';

type Operation = (token: string) => unknown;

/**
 * Median cost of verifying one access token, in microseconds, measured in this process
 * (the runner starts it pinned to the server core, like the servers): the module's own
 * strategy (`McpJwtStrategy.authenticate`, i.e. what the guard runs: key lookup,
 * signature, `iss`/`aud`/`exp`, principal), with fresh tokens with the verified-token
 * cache off and on, and with a repeated token (a cache hit); plus bare
 * `jsonwebtoken.verify` with a PEM string (what `jwks-rsa` hands it) and with a
 * `KeyObject`, and the bare RSA signature check that no verifier can go below.
 * Every token is distinct (unique `jti`), so no verifier is measured on a signature it just saw.
 */
export async function measureVerification(): Promise<Record<string, number>> {
  const key = newSigningKey('RSA');
  const jwks = await startJwksServer([key]);
  const now = Math.floor(Date.now() / 1000);
  const claims = (i: number) => ({
    iss: ISSUER,
    aud: RESOURCE_URL,
    sub: 'bench',
    client_id: 'bench',
    scope: 'User.Read',
    iat: now,
    exp: now + 3600,
    jti: `t${i}`,
  });
  const tokens = await Promise.all(Array.from({ length: TOKENS }, (_, i) => signToken(key, claims(i))));
  const apps = await Promise.all(
    [false, true].map((tokenCache) => {
      const options: McpAuthOptions = { issuer: ISSUER, jwksUri: jwks.url, resourceUrl: RESOURCE_URL, tokenCache: tokenCache ? {} : false };
      return NestFactory.createApplicationContext(McpAuthModule.forRoot(options), { logger: false });
    }),
  );
  try {
    const [uncached, cached] = apps.map((app) => app.get(McpJwtStrategy, { strict: false }));
    const pem = createPublicKey({ key: key.jwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }) as string;
    const keyObject = createPublicKey(pem);
    const verifyOptions = { algorithms: ['RS256' as const], issuer: ISSUER, audience: RESOURCE_URL };
    const repeated = tokens[0];
    await authenticate(cached, repeated);
    const methods: Record<string, Operation> = {
      [UNCACHED_LABEL]: (token) => authenticate(uncached, token),
      [FRESH_CACHED_LABEL]: (token) => authenticate(cached, token),
      [CACHED_LABEL]: () => authenticate(cached, repeated),
      'jsonwebtoken.verify with a PEM string (jwks-rsa)': (token) => jwt.verify(token, pem, verifyOptions),
      'jsonwebtoken.verify with a cached KeyObject': (token) => jwt.verify(token, keyObject, verifyOptions),
      'bare RSA signature check (the floor)': (token) => {
        const dot = token.lastIndexOf('.');
        if (!verify('RSA-SHA256', Buffer.from(token.slice(0, dot)), keyObject, Buffer.from(token.slice(dot + 1), 'base64url')))
          throw new Error('bad signature');
      },
    };
    const half = TOKENS / 2;
    const warmUp = tokens.slice(0, half);
    const measured = tokens.slice(half);
    const samples = new Map<string, number[]>(Object.keys(methods).map((label) => [label, []]));
    for (const operation of Object.values(methods)) await time(warmUp, operation); // fetches the keys, warms the JIT
    // The cache-on strategy has now seen the warm-up tokens only: every measured token is fresh to it once.
    const slices = Array.from({ length: PASSES }, (_, pass) => measured.filter((_token, i) => i % PASSES === pass));
    for (const slice of slices) {
      for (const [label, operation] of Object.entries(methods)) samples.get(label)!.push(...(await time(slice, operation)));
    }
    return Object.fromEntries([...samples].map(([label, values]) => [label, median(values)]));
  } finally {
    for (const app of apps) await app.close();
    await jwks.close();
  }
}

/** Runs the strategy as Passport does, resolving with the principal or rejecting with the failure. */
function authenticate(strategy: McpJwtStrategy, token: string): Promise<unknown> {
  const request = { headers: { authorization: `Bearer ${token}` }, url: '/mcp' } as unknown as IncomingMessage;
  return new Promise((resolve, reject) => {
    const run = Object.create(strategy) as McpJwtStrategy & Record<string, unknown>;
    run.success = resolve;
    run.fail = (info: unknown) => reject(info ?? new Error('failed'));
    run.error = reject;
    run.authenticate(request as never, {});
  });
}

async function time(inputs: string[], operation: Operation): Promise<number[]> {
  const samples: number[] = [];
  for (const input of inputs) {
    const start = process.hrtime.bigint();
    await operation(input);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}
