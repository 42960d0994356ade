import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { freePort } from './support/free-port.js';
import { describeOnPlatforms } from './support/platforms.js';

/** Keeps what Nest logs at startup, by context. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, context?: string) {
    this.lines.push(`${context}: ${String(message)}`);
  }
  error(message: unknown, context?: string) {
    this.lines.push(`${context}: ${String(message)}`);
  }
  warn(message: unknown, context?: string) {
    this.lines.push(`${context}: ${String(message)}`);
  }
}

/** A user's startup log stays readable: the module adds its endpoint's route lines, and nothing for the metadata. */
describeOnPlatforms("the application's startup log", (platform) => {
  let idp: TestIdentityProvider;
  let app: INestApplication;
  const logger = new RecordingLogger();
  let resourceUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    idp = await startTestIdentityProvider({ audience: resourceUrl });
    @Module({ imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl })] })
    class AppModule {}
    app =
      platform === 'fastify'
        ? await NestFactory.create(AppModule, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger })
        : await NestFactory.create(AppModule, { bodyParser: false, logger });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it("maps the endpoint's routes and no metadata route, and still serves the metadata", async () => {
    const routes = logger.lines.filter((line) => line.startsWith('RouterExplorer: Mapped'));
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.every((line) => line.includes('{/mcp,'))).toBe(true);
    expect(logger.lines.filter((line) => line.includes('oauth-protected-resource'))).toEqual([]);
    const metadata = await fetch(`${new URL(resourceUrl).origin}/.well-known/oauth-protected-resource/mcp`);
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { resource: string }).resource).toBe(resourceUrl);
  });
});
