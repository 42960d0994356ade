import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { ConformanceModule } from './conformance.module.js';
import { CONFORMANCE_SCOPE } from './fixtures/media.js';

/** A running conformance server and the identity provider whose tokens it accepts. */
export interface ConformanceServer {
  /** Where the MCP endpoint listens (not the resource URL when a proxy is in front). */
  readonly endpoint: string;
  /** A token for the resource URL holding the scope every fixture requires. */
  token(): Promise<string>;
  close(): Promise<void>;
}

export interface ConformanceServerOptions {
  /** The loopback port to listen on. */
  readonly port: number;
  /** The endpoint's URL as clients reach it (the tokens' audience). Default: the endpoint itself. */
  readonly resourceUrl?: string;
  /** Nest's log levels. Default: errors only. */
  readonly logLevels?: Array<'log' | 'error' | 'warn' | 'debug' | 'verbose'>;
}

/**
 * Starts the conformance fixtures behind the auth module on loopback, with the library's
 * test identity provider (`nestjs-mcp-auth/testing`) as the issuer of the suite's token.
 */
export async function startConformanceServer({
  port,
  resourceUrl,
  logLevels = ['error'],
}: ConformanceServerOptions): Promise<ConformanceServer> {
  const endpoint = `http://127.0.0.1:${port}/mcp`;
  const audience = resourceUrl ?? endpoint;
  const idp = await startTestIdentityProvider({ audience });
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(ConformanceModule.register({ issuer: idp.issuer, resourceUrl: audience }), {
      bodyParser: false,
      logger: logLevels,
    });
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app?.close();
    await idp.close();
    throw error;
  }
  return {
    endpoint,
    token: () => idp.token({ scope: CONFORMANCE_SCOPE, sub: 'conformance-suite', client_id: 'conformance-suite' }, { expiresIn: 3600 }),
    close: async () => {
      await app!.close();
      await idp.close();
    },
  };
}
