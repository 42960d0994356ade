import type { IncomingMessage } from 'node:http';

/** The outcome of reading a JSON request body. */
export type JsonBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'too_large' };

type MaybeParsedRequest = IncomingMessage & { body?: unknown; _body?: boolean };

/**
 * Reads and parses the JSON body, at most `limit` bytes. Uses the body when the
 * application's own body parser already consumed it. Never throws.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBody> {
  const request = req as MaybeParsedRequest;
  if (request._body || request.readableEnded) {
    return request.body === undefined ? { kind: 'invalid' } : { kind: 'json', value: request.body };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return { kind: 'too_large' };

  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) return { kind: 'too_large' };
      chunks.push(chunk);
    }
  } catch {
    return { kind: 'invalid' };
  }
  try {
    return { kind: 'json', value: JSON.parse(Buffer.concat(chunks, size).toString('utf8')) };
  } catch {
    return { kind: 'invalid' };
  }
}

/** True for `application/json`, with or without parameters (charset). */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}
