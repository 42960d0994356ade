/**
 * A user's application, as the consumer-package test builds it: it imports the packed `nestjs-mcp-auth`
 * (never this repository's sources), is compiled in a fresh directory as ESM and as CommonJS, starts against
 * the package's testing identity provider, and prints what an SDK client saw as one JSON line.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { connectMcpClient, connectModernMcpClient, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

@McpToolProvider()
@RequireScopes('Notes.Read')
class NoteTools {
  @McpTool({ name: 'read_note', description: 'Reads a note', input: { id: z.number().int() } })
  read({ id }: { id: number }, { principal }: McpToolContext): string {
    return `note ${id} for ${principal.sub}`;
  }

  @McpTool({ name: 'delete_note', description: 'Deletes a note', input: { id: z.number().int() } })
  @RequireScopes('Notes.Admin')
  remove({ id }: { id: number }): string {
    return `deleted note ${id}`;
  }
}

/** The port the test chose (below the ephemeral range, see test/support/free-port.ts), or one the system picks. */
async function listenPort(): Promise<number> {
  if (process.env.PORT) return Number(process.env.PORT);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function main(): Promise<void> {
  const port = await listenPort();
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  const idp = await startTestIdentityProvider({ audience: resourceUrl });

  @Module({
    imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl, server: { name: 'notes', version: '1.0.0' } })],
    providers: [NoteTools],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { bodyParser: false, logger: ['error', 'warn'] });
  await app.listen(port, '127.0.0.1');
  try {
    const reader = await connectMcpClient(app, await idp.token({ sub: 'reader', scope: 'Notes.Read' }));
    const listed = (await reader.listTools()).tools.map((tool) => tool.name);
    const read = await reader.callTool({ name: 'read_note', arguments: { id: 7 } });
    const refused = await reader.callTool({ name: 'delete_note', arguments: { id: 7 } }).then(
      () => 'allowed',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await reader.close();
    const admin = await connectMcpClient(app, await idp.token({ sub: 'admin', scope: 'Notes.Read Notes.Admin' }));
    const deleted = await admin.callTool({ name: 'delete_note', arguments: { id: 7 } });
    await admin.close();
    // The same on revision 2026-07-28, with the v2 client.
    const modern = await connectModernMcpClient(app, await idp.token({ sub: 'reader', scope: 'Notes.Read' }));
    const modernRead = await modern.callTool({ name: 'read_note', arguments: { id: 8 } });
    const revision = modern.getNegotiatedProtocolVersion();
    await modern.close();
    console.log(
      JSON.stringify({ listed, read: read.content, refused, deleted: deleted.content, modern: { revision, read: modernRead.content } }),
    );
  } finally {
    await app.close();
    await idp.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
