import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers the SDK's transports read besides the `Mcp-*` ones (`Mcp-Session-Id`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`). */
const PROTOCOL_HEADERS = new Set(['accept', 'content-type', 'last-event-id']);

/**
 * The web `Request` the SDK's HTTP handlers take, for a Node request whose body the
 * endpoint has already read and parsed (the handlers get it as `parsedBody`, so the
 * request carries headers only: nothing is serialized again). It carries the protocol's
 * headers and nothing else: not the `Authorization` header (the SDK gets the caller as
 * `authInfo`), not `Host` (its URL is the endpoint's configured one). The returned
 * controller aborts the request's signal when the client goes away, which is how the
 * SDK learns to abort the running handler.
 *
 * That signal is set on the request as its own `signal` property rather than passed to
 * `new Request()`: given a signal, undici follows it through a second controller and a
 * `FinalizationRegistry`, about 15 µs and more garbage per request (most of the
 * bridge's cost). The SDK only reads `request.signal`.
 */
export function webRequestOf(req: IncomingMessage, url: string): { request: Request; abort: AbortController } {
  const headers = new Headers();
  const raw = req.headers;
  for (const name in raw) {
    if (!name.startsWith('mcp-') && !PROTOCOL_HEADERS.has(name)) continue;
    const value = raw[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const abort = new AbortController();
  const request = new Request(url, { method: req.method, headers });
  Object.defineProperty(request, 'signal', { value: abort.signal });
  return { request, abort };
}

/**
 * Writes the SDK's web `Response` to the Node response: a JSON (or empty) answer in
 * one write, a server-sent-event stream chunk by chunk until it ends or the client
 * leaves. Headers already set on `res` (CORS) are kept.
 */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  if (res.headersSent || res.destroyed) return void response.body?.cancel().catch(() => undefined);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = response.body;
  if (body === null) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if (!headers['content-type']?.startsWith('text/event-stream')) {
    const bytes = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(bytes.length);
    res.writeHead(response.status, headers).end(bytes);
    return;
  }
  res.writeHead(response.status, headers);
  res.flushHeaders();
  const reader = body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  res.once('close', stop);
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      // Ended from outside (the endpoint closing a GET stream) before 'close' came: a write now would fail.
      if (res.writableEnded || res.destroyed) {
        stop();
        break;
      }
      if (!res.write(chunk.value)) await drainedOrClosed(res);
      if (res.destroyed) break;
    }
  } catch {
    // The stream was cancelled (client gone, session closed): nothing more to send.
  } finally {
    res.off('close', stop);
    if (!res.writableEnded) res.end();
  }
}

/** Resolves when the response can take more data, or is gone; leaves no listener behind either way. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/**
 * Serves one Node request with a web-standard MCP handler (the SDK's modern handler or
 * one of its Streamable HTTP transports): builds the request, aborts it when the client
 * leaves before its answer, and writes the answer back.
 */
export async function serveWithWebHandler(
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  handle: (request: Request) => Promise<Response>,
): Promise<void> {
  const { request, abort } = webRequestOf(req, url);
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  await writeWebResponse(res, await handle(request));
}
