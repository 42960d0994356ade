import { createPublicKey, verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { McpAuthModule, McpJwtStrategy } from 'nestjs-mcp-auth';
import type { McpAuthOptions } from 'nestjs-mcp-auth';
import { signToken, startJwksServer } from '../../test/support/jwks-server.js';
import type { TestSigningKey } from '../../test/support/jwks-server.js';

const SAMPLES = 2000;
const WARM_UP = 500;
const RESOURCE_URL = 'http://127.0.0.1:1/mcp';

/**
 * Median cost of verifying one access token, in microseconds, measured in process:
 * the module's own strategy (`McpJwtStrategy.authenticate`, i.e. what the guard runs:
 * key lookup, signature, `iss`/`aud`/`exp`, principal), with fresh tokens (uncached)
 * and with a repeated token (cached, when the verified-token cache is on); plus bare
 * `jsonwebtoken.verify` with a PEM string (what `jwks-rsa` hands it) and with a `KeyObject`,
 * and the bare RSA signature check that no verifier can go below.
 */
export async function measureVerification(key: TestSigningKey, issuer: string): Promise<Record<string, number>> {
  const jwks = await startJwksServer([key]);
  const now = Math.floor(Date.now() / 1000);
  const claims = (i: number) => ({ iss: issuer, aud: RESOURCE_URL, sub: 'bench', client_id: 'bench', scope: 'User.Read', iat: now, exp: now + 3600, jti: `t${i}` });
  const warmUp = await Promise.all(Array.from({ length: WARM_UP }, (_, i) => signToken(key, claims(-i - 1))));
  const tokens = await Promise.all(Array.from({ length: SAMPLES }, (_, i) => signToken(key, claims(i))));
  const results: Record<string, number> = {};
  try {
    for (const tokenCache of [false, true] as const) {
      const options: McpAuthOptions = { issuer, jwksUri: jwks.url, resourceUrl: RESOURCE_URL, tokenCache: tokenCache ? {} : false };
      const app = await NestFactory.createApplicationContext(McpAuthModule.forRoot(options), { logger: false });
      try {
        const strategy = app.get(McpJwtStrategy, { strict: false });
        for (const token of warmUp) await authenticate(strategy, token); // fetches the keys, warms the JIT
        const label = tokenCache ? 'verified-token cache on' : 'verified-token cache off';
        results[`McpJwtStrategy, fresh tokens, ${label}`] = await medianMicros(tokens, (token) => authenticate(strategy, token));
        if (tokenCache) {
          const repeated = Array.from({ length: SAMPLES }, () => tokens[0]);
          results[`McpJwtStrategy, repeated token, ${label}`] = await medianMicros(repeated, (token) => authenticate(strategy, token));
        }
      } finally {
        await app.close();
      }
    }
  } finally {
    await jwks.close();
  }
  const pem = createPublicKey({ key: key.jwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }) as string;
  const keyObject = createPublicKey(pem);
  const verifyOptions = { algorithms: ['RS256' as const], issuer, audience: RESOURCE_URL };
  for (const token of warmUp) jwt.verify(token, pem, verifyOptions);
  results['jsonwebtoken.verify with a PEM string (jwks-rsa)'] = await medianMicros(tokens, async (token) => void jwt.verify(token, pem, verifyOptions));
  results['jsonwebtoken.verify with a cached KeyObject'] = await medianMicros(tokens, async (token) => void jwt.verify(token, keyObject, verifyOptions));
  results['bare RSA signature check (the floor)'] = await medianMicros(tokens, async (token) => {
    const dot = token.lastIndexOf('.');
    void verify('RSA-SHA256', Buffer.from(token.slice(0, dot)), keyObject, Buffer.from(token.slice(dot + 1), 'base64url'));
  });
  return results;
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

async function medianMicros(inputs: string[], operation: (input: string) => Promise<void | unknown>): Promise<number> {
  const samples: number[] = [];
  for (const input of inputs) {
    const start = process.hrtime.bigint();
    await operation(input);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}
