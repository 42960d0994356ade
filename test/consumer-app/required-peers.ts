/**
 * A user's application with only the package's required peer dependencies installed (no ioredis, prom-client,
 * Fastify, MCP client SDK), as the consumer-package test builds it: compiled strictly with `skipLibCheck: false`
 * against the packed `nestjs-mcp-auth`, started, and asked for its tools over HTTP with a token signed by a
 * loopback issuer of its own (Node's crypto; no library of ours). Prints what it saw as one JSON line.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

@McpToolProvider()
@RequireScopes('Notes.Read')
class NoteTools {
  @McpTool({ name: 'read_note', description: 'Reads a note', input: { id: z.number().int() } })
  read({ id }: { id: number }, { principal }: McpToolContext): string {
    return `note ${id} for ${principal.sub}`;
  }
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An issuer on loopback: discovery and one RS256 key; `sign` makes a token. */
async function startIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: url, jwks_uri: `${url}/jwks` }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (claims: Record<string, unknown>) => {
    const input = `${base64url(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${base64url(createSign('RSA-SHA256').update(input).sign(privateKey))}`;
  };
  return { url, sign, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function main(): Promise<void> {
  const issuer = await startIssuer();
  // The port the test chose (below the ephemeral range, see test/support/free-port.ts), or one the system picks.
  let port = Number(process.env.PORT);
  if (!port) {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;

  @Module({ imports: [McpAuthModule.forRoot({ issuer: issuer.url, resourceUrl, stateless: true })], providers: [NoteTools] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { bodyParser: false, logger: ['error', 'warn'] });
  await app.listen(port, '127.0.0.1');
  try {
    const now = Math.floor(Date.now() / 1000);
    const token = issuer.sign({ iss: issuer.url, aud: resourceUrl, sub: 'reader', scope: 'Notes.Read', iat: now, exp: now + 300 });
    const call = (authorization?: string) =>
      fetch(resourceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_note', arguments: { id: 7 } } }),
      });
    const anonymous = await call();
    const called = (await (await call(`Bearer ${token}`)).json()) as { result?: { content?: unknown } };
    console.log(JSON.stringify({ anonymous: anonymous.status, content: called.result?.content }));
  } finally {
    await app.close();
    await issuer.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
