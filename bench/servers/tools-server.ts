/**
 * A stateless server with TOOL_COUNT registered tools: `echo` (called by the benchmark)
 * and TOOL_COUNT - 1 others, each with its own input schema and scope requirement,
 * to show whether per-request cost grows with the number of tools. TOKEN_CACHE=off
 * turns the verified-token cache off, to show what it buys. ASKING=1 adds `ask_echo`, which
 * asks the client for the text to echo (a 2026-07-28 round: sealed state, then verified), with
 * REQUEST_STATE_KEY sealing it for an hour: what one multi-round-trip request costs.
 */
import 'reflect-metadata';
import { ConsoleLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolContext, McpToolOptions } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { failStartup, reportReady } from './child-protocol.js';

/** The form `ask_echo` asks, written as the wire schema (no conversion per call). */
const ECHO_FORM = { type: 'object' as const, properties: { text: { type: 'string' as const } }, required: ['text'] };

function benchToolsProvider(count: number, asking: boolean): new () => object {
  class BenchTools {}
  const prototype = BenchTools.prototype as unknown as Record<string, unknown>;
  const define = (method: string, body: (args: never) => unknown, options: McpToolOptions, scope?: string) => {
    Object.defineProperty(prototype, method, { value: body, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(prototype, method)!;
    McpTool(options)(prototype, method, descriptor);
    if (scope) RequireScopes(scope)(prototype, method, descriptor);
  };
  define('echo', ({ message }: { message: string }) => message, { name: 'echo', input: { message: z.string() } });
  if (asking) {
    const askEcho = async (_args: never, ctx: McpToolContext) => {
      const answer = await ctx.elicit({ message: 'What should I echo?', schema: ECHO_FORM });
      return answer.action === 'accept' ? String(answer.content.text) : answer.action;
    };
    define('askEcho', askEcho as (args: never) => unknown, { name: 'ask_echo' });
  }
  for (let i = 1; i < count; i++) {
    define(
      `tool${i}`,
      ({ id }: { id: number }) => ({ id }),
      {
        name: `tool_${i}`,
        description: `Filler tool ${i}`,
        input: { id: z.number().int(), note: z.string().max(100).optional() },
      },
      `bench.scope${i % 20}`,
    );
  }
  McpToolProvider()(BenchTools);
  return BenchTools;
}

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.PORT);
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  @Module({
    imports: [
      McpAuthModule.forRoot({
        issuer: env.MCP_AUTH_ISSUER!,
        jwksUri: env.MCP_AUTH_JWKS_URI!,
        resourceUrl,
        stateless: true,
        server: { name: 'bench-tools', version: '1.0.0' },
        tokenCache: env.TOKEN_CACHE === 'off' ? false : undefined,
        ...(env.REQUEST_STATE_KEY ? { requestState: { key: env.REQUEST_STATE_KEY, ttlSeconds: 3600 } } : {}),
      }),
    ],
    providers: [benchToolsProvider(Number(env.TOOL_COUNT ?? 1), env.ASKING === '1')],
  })
  class BenchToolsModule {}
  const app = await NestFactory.create(BenchToolsModule, {
    bodyParser: false,
    logger: new ConsoleLogger({ logLevels: ['error', 'warn'] }),
  });
  await app.listen(port, '127.0.0.1');
  reportReady({ url: resourceUrl });
}

main().catch(failStartup);
