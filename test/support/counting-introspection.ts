import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback RFC 7662 introspection endpoint answering from a table (anything unknown is
 * inactive), counting the tokens it was asked about. `delayMs` holds each answer a little,
 * so parallel requests overlap.
 */
export class CountingIntrospectionEndpoint {
  /** Every token this endpoint was asked about, in order. */
  readonly asked: string[] = [];
  readonly answers = new Map<string, Record<string, unknown>>();
  private server?: Server;

  constructor(private readonly delayMs = 0) {}

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? '';
      this.asked.push(token);
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.answers.get(token) ?? { active: false }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/introspect`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
