import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication, LoggerService, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule } from 'nestjs-mcp-auth';
import type { McpAuthOptions } from 'nestjs-mcp-auth';
import { IdentityModule } from '../../src/identity/identity.module.js';
import { ProductsModule } from '../../src/products/products.module.js';
import { StoreModule } from '../../src/store/store.module.js';
import { freePort, startTestIdentity } from './harness.js';
import type { TestIdentity } from './harness.js';

/** One replica: a Nest application of its own (its own module instance, its own Redis connections) on its own port. */
export interface Replica {
  /** Where this replica answers MCP requests (the shared resource URL is the fleet's). */
  readonly endpoint: string;
  readonly app: INestApplication;
}

/** Replicas of one MCP server in this process, as behind a load balancer: one identity provider, one resource URL. */
export interface Replicas extends TestIdentity {
  /** The resource URL every replica serves (tokens are issued for it). */
  readonly resourceUrl: string;
  readonly replicas: readonly Replica[];
  token(clientId: 'demo-reader' | 'demo-writer' | 'demo-admin', scope?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts `count` replicas of the library with the example's tools, each given `options`
 * (typically `redis`), all trusting one real identity provider and serving one resource
 * URL, each with its own in-memory database. `logger` receives what the replicas log
 * (by default errors only, to the console).
 */
export async function startReplicas(
  count: number,
  options: Partial<McpAuthOptions> = {},
  { providers = [], logger }: { providers?: Provider[]; logger?: LoggerService } = {},
): Promise<Replicas> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const resourceUrl = `http://127.0.0.1:${ports[0]}/mcp`;
  const identity = await startTestIdentity(resourceUrl);
  const replicas: Replica[] = [];
  const close = async () => {
    await Promise.all(replicas.map(({ app }) => app.close().catch(() => undefined)));
    await identity.idp.close();
  };
  try {
    for (const port of ports) {
      @Module({
        imports: [
          McpAuthModule.forRoot({ issuer: identity.idp.issuer, resourceUrl, server: { name: 'replica', version: '1.0.0' }, ...options }),
          StoreModule.register(':memory:'),
          ProductsModule,
          IdentityModule,
        ],
        providers,
      })
      class ReplicaModule {}
      const app = await NestFactory.create(ReplicaModule, { bodyParser: false, logger: logger ?? ['error'] });
      await app.listen(port, '127.0.0.1');
      replicas.push({ endpoint: `http://127.0.0.1:${port}/mcp`, app });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ...identity, resourceUrl, replicas, token: (clientId, scope) => identity.idp.token(clientId, scope), close };
}
