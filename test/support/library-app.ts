import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication, Provider, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { McpAuthConfigurationError, McpAuthModule } from 'nestjs-mcp-auth';
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

/** What a test may decide about the app beyond its options: where it runs, whom it trusts, how bodies are parsed. */
export interface LibraryAppSettings {
  /** The port of its resource URL. Default: a free one. */
  readonly port?: number;
  /** An identity provider it shares with other apps, started (and closed) by the test. Default: one of its own. */
  readonly identity?: TestIdentity;
  /** On Express, leave Nest's body parser on, as an application may. Default off (as the README advises). */
  readonly bodyParser?: boolean;
  /**
   * Runs between creating the application and its `listen()`, where an application calls
   * `useGlobalGuards()`, `useGlobalInterceptors()` or `useLogger()`.
   */
  readonly configure?: (app: INestApplication) => void;
  /** Configure the module with `forRootAsync` (options from an async factory), as the example does. Default `forRoot`. */
  readonly forRootAsync?: boolean;
}

export async function startLibraryApp(
  options: Partial<McpAuthOptions> = {},
  providers: Provider[] = [],
  platform: Platform = 'express',
  settings: LibraryAppSettings = {},
): Promise<LibraryApp> {
  const port = settings.port ?? (await freePort());
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  const identity = settings.identity ?? (await startTestIdentity(resourceUrl));
  const closeIdentity = () => (settings.identity ? Promise.resolve() : identity.idp.close());

  const moduleOptions: McpAuthOptions = {
    issuer: identity.idp.issuer,
    resourceUrl,
    server: { name: 'test', version: '1.0.0' },
    ...options,
  };
  @Module({
    imports: [
      settings.forRootAsync
        ? McpAuthModule.forRootAsync({ useFactory: () => Promise.resolve(moduleOptions) })
        : McpAuthModule.forRoot(moduleOptions),
      StoreModule.register(':memory:'),
      ProductsModule,
      IdentityModule,
    ],
    providers,
  })
  class TestAppModule {}

  try {
    // On Fastify the module leaves its own routes' bodies unparsed, so Nest's body parser stays on, as an application has it.
    // abortOnError off: a startup failure fails the test that caused it, instead of exiting the whole Jest worker.
    // forceCloseConnections as the README recommends: close() does not wait for a connection the client left open.
    const app =
      platform === 'fastify'
        ? await NestFactory.create(TestAppModule, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), {
            logger: ['error'],
            abortOnError: false,
            forceCloseConnections: true,
          })
        : await NestFactory.create(TestAppModule, {
            bodyParser: settings.bodyParser ?? false,
            logger: ['error'],
            abortOnError: false,
            forceCloseConnections: true,
          });
    settings.configure?.(app);
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

/** Starts an application with the module and `provider`: expects startup to fail with a configuration error saying `message`. */
export async function refusesToStart(provider: Type, message: string): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      McpAuthModule.forRoot({
        issuer: 'https://idp.example',
        jwksUri: 'https://idp.example/jwks',
        resourceUrl: 'http://127.0.0.1:9/mcp',
      }),
    ],
    providers: [provider],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const started = app.init();
  await expect(started).rejects.toBeInstanceOf(McpAuthConfigurationError);
  await expect(started).rejects.toThrow(message);
  await app.close();
}
