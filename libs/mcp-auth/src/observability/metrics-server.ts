import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpMetrics } from './mcp-metrics.js';
import { metricsEndpoint } from './metrics-endpoint.js';

/**
 * The metrics on a port of their own (`metrics.port`): a small `node:http` server that
 * answers the metrics path and nothing else, opened with the module and closed on shutdown.
 * Keeping it off the application's port lets the MCP endpoint face the internet while the
 * metrics stay on loopback or a private interface.
 */
export class MetricsServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('McpAuth');
  private server?: Server;

  constructor(
    private readonly metrics: McpMetrics,
    /** The MCP endpoint's, refused here as there. */
    private readonly allowedOrigins: readonly string[],
  ) {}

  /** Where it listens, once open (with `port: 0`, the port the system chose). */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async onModuleInit(): Promise<void> {
    const { path, port, host } = this.metrics.options;
    const answer = metricsEndpoint(this.metrics, this.allowedOrigins);
    const server = createServer((req, res) => {
      if ((req.url ?? '').split('?', 1)[0] !== path) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
        return;
      }
      answer(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new McpAuthConfigurationError('metrics.port', `could not be opened on ${host}:${port} (${error.code ?? error.message})`)),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const { address, port: bound } = server.address() as AddressInfo;
    this.logger.log(`Metrics served at http://${address.includes(':') ? `[${address}]` : address}:${bound}${path}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
