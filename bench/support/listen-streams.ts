import { request } from 'node:http';
import { MODERN_PROTOCOL_VERSION, mcpHeaders } from './load.js';

/** How long one stream may take to open (status and acknowledgement), in milliseconds. */
const OPEN_TIMEOUT_MS = 10_000;

/**
 * Opens one 2026-07-28 `subscriptions/listen` stream with `body` and resolves once the
 * server has acknowledged it (its first event), with the function that closes it. Refused
 * (any status but 200) or not acknowledged within 10 s, it rejects; `status` says which.
 */
export function openListenStream(url: string, token: string, body: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...mcpHeaders(token),
      'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
      'mcp-method': 'subscriptions/listen',
      'content-length': String(Buffer.byteLength(body)),
    };
    const outgoing = request(url, { method: 'POST', headers });
    const timer = setTimeout(() => outgoing.destroy(new Error(`no acknowledgement within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
    outgoing.on('response', (response) => {
      if (response.statusCode !== 200) {
        clearTimeout(timer);
        response.resume();
        outgoing.destroy();
        return reject(Object.assign(new Error(`listen answered ${response.statusCode}`), { status: response.statusCode }));
      }
      response.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        if (!chunk.toString().includes('notifications/subscriptions/acknowledged')) {
          outgoing.destroy();
          return reject(new Error(`listen stream began with ${chunk.toString().slice(0, 200)}`));
        }
        // Keep reading (keep-alive comments), so the server never waits on a full socket.
        response.resume();
        resolve(() => outgoing.destroy());
      });
    });
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(body);
  });
}
