import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule } from 'nestjs-mcp-auth';
import type { McpAuthOptions } from 'nestjs-mcp-auth';
import { IdentityModule } from '../../src/identity/identity.module.js';
import { ProductsModule } from '../../src/products/products.module.js';
import { StoreModule } from '../../src/store/store.module.js';
import { freePort, startTestIdentity } from './harness.js';
import type { TestIdentity } from './harness.js';
import type { Platform } from './platforms.js';

/** The library in an application of the test's making: the example's tools plus `providers`, with options no env variable reaches (sinks, tiny timeouts). */
export interface LibraryApp extends TestIdentity {
  readonly resourceUrl: string;
  readonly app: INestApplication;
  token(clientId: 'demo-reader' | 'demo-writer' | 'demo-admin', scope?: string): Promise<string>;
  close(): Promise<void>;
}

/** Where the app runs and whom it trusts, when the test decides: an identity provider it shares with other apps, and the port of its resource URL. */
export interface LibraryAppPlacement {
  readonly port: number;
  /** Started (and closed) by the test, not by the app. */
  readonly identity: TestIdentity;
}

export async function startLibraryApp(
  options: Partial<McpAuthOptions> = {},
  providers: Provider[] = [],
  platform: Platform = 'express',
  placement?: LibraryAppPlacement,
): Promise<LibraryApp> {
  const port = placement?.port ?? (await freePort());
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  const identity = placement?.identity ?? (await startTestIdentity(resourceUrl));
  const closeIdentity = () => (placement ? Promise.resolve() : identity.idp.close());

  @Module({
    imports: [
      McpAuthModule.forRoot({ issuer: identity.idp.issuer, resourceUrl, server: { name: 'test', version: '1.0.0' }, ...options }),
      StoreModule.register(':memory:'),
      ProductsModule,
      IdentityModule,
    ],
    providers,
  })
  class TestAppModule {}

  try {
    // On Fastify the module leaves its own routes' bodies unparsed, so Nest's body parser stays on, as an application has it.
    const app =
      platform === 'fastify'
        ? await NestFactory.create(TestAppModule, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger: ['error'] })
        : await NestFactory.create(TestAppModule, { bodyParser: false, logger: ['error'] });
    await app.listen(port, '127.0.0.1');
    let closed = false;
    return {
      ...identity,
      resourceUrl,
      app,
      token: (clientId, scope) => identity.idp.token(clientId, scope),
      close: async () => {
        if (!closed) await app.close();
        closed = true;
        await closeIdentity();
      },
    };
  } catch (error) {
    await closeIdentity();
    throw error;
  }
}
