import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A POST with Node's HTTP client, which sends any `Host` header it is given (fetch sets its
 * own), and a header twice when given as raw `[name, value, name, value...]` pairs.
 * Resolves with the status, headers and body text; bounded at 5 s.
 */
export function nodePost(
  url: string,
  body: string,
  headers: Record<string, string> | string[],
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return nodeRequest('POST', url, headers, body);
}

/** A GET with Node's HTTP client, with any `Host` (and other) headers; like {@link nodePost}. */
export function nodeGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return nodeRequest('GET', url, headers);
}

function nodeRequest(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> | string[],
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, timeout: 5_000 });
    outgoing.on('response', async (response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      resolve({ status: response.statusCode!, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 5 s')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
