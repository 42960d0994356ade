import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';

/**
 * A reverse proxy on loopback `port` that forwards every request unchanged (method, path,
 * headers including Host and Origin, body, streamed answer) to `target`, with
 * `Authorization: Bearer <token>` added: the conformance suite cannot send a token itself.
 */
export function startTokenProxy(port: number, target: string, token: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that goes away mid-stream (the suite closes listen streams) ends the upstream request too.
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
