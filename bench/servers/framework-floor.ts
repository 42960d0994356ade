/**
 * The framework floors (issue 15): a bare Nest controller on Express or on Fastify
 * (`PLATFORM`) doing the least an authenticated MCP `tools/call` needs, and nothing
 * else: the platform reads and parses the JSON body, the bearer token is looked up in a
 * cache (verified once against the loopback JWKS with `jose`, then remembered), and
 * the JSON-RPC result of `whoami` is answered. No MCP validation, no scopes, no audit:
 * what the library does on top of this is what it costs.
 */
import 'reflect-metadata';
import { Body, Controller, Headers, HttpCode, Module, Post, UnauthorizedException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { reportReady } from './child-protocol.js';

const env = process.env;
const keys = createRemoteJWKSet(new URL(env.MCP_AUTH_JWKS_URI!));
/** Token → verified claims. */
const verified = new Map<string, JWTPayload>();

async function principalOf(authorization: string | undefined): Promise<JWTPayload> {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  if (!token) throw new UnauthorizedException();
  const known = verified.get(token);
  if (known) return known;
  const { payload } = await jwtVerify(token, keys, { issuer: env.MCP_AUTH_ISSUER, audience: env.MCP_RESOURCE_URL });
  verified.set(token, payload);
  return payload;
}

@Controller('mcp')
class FloorController {
  @Post()
  @HttpCode(200)
  async call(@Headers('authorization') authorization: string | undefined, @Body() body: { id?: unknown }) {
    const claims = await principalOf(authorization);
    const text = JSON.stringify({ sub: claims.sub, clientId: claims.client_id, scopes: String(claims.scope ?? '').split(' ') });
    return { jsonrpc: '2.0', id: body.id ?? null, result: { resultType: 'complete', content: [{ type: 'text', text }] } };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function start(): Promise<void> {
  let app: INestApplication;
  if (env.PLATFORM === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
  } else {
    app = await NestFactory.create(FloorModule, { logger: false });
  }
  await app.listen(Number(env.PORT), '127.0.0.1');
  reportReady({ url: `http://127.0.0.1:${env.PORT}/mcp` });
}

void start();
