import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Client ID metadata documents served over https on loopback: the identity provider only
 * accepts an https URL as a `client_id`, so the test brings a certificate of its own,
 * generated at test time for 127.0.0.1, and a `fetch` that trusts exactly that certificate.
 */
export class ClientMetadataServer {
  private readonly documents = new Map<string, unknown>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    /** The PEM certificate the server presents: the one thing `fetch` trusts. */
    readonly certificate: string,
  ) {
    server.on('request', (req, res) => {
      const document = this.documents.get(new URL(req.url ?? '/', origin).pathname);
      if (document === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=30' }).end(JSON.stringify(document));
    });
  }

  static async start(): Promise<ClientMetadataServer> {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-e2e-cert-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ].concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
        { stdio: 'ignore' },
      );
      const key = readFileSync(join(dir, 'key.pem'), 'utf8');
      const certificate = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const server = createServer({ key, cert: certificate });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return new ClientMetadataServer(server, `https://127.0.0.1:${port}`, certificate);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Serves `document` at `path`; returns the document's URL (the client id it describes, when honest). */
  serve(path: string, document: (url: string) => Record<string, unknown>): string {
    const url = `${this.origin}${path}`;
    this.documents.set(path, document(url));
    return url;
  }

  /**
   * A `fetch` for the identity provider that trusts this server's certificate. It replaces
   * the provider's default, whose guard refuses loopback addresses (SSRF protection).
   */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: init?.method ?? 'GET',
          headers: Object.fromEntries(new Headers(init?.headers)),
          ca: this.certificate,
          signal: init?.signal ?? undefined,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
            resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode ?? 500, headers }));
          });
          incoming.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  };

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
