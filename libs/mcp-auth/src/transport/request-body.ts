import type { IncomingMessage } from 'node:http';
import { arrivalOf } from '../http/unread-body.middleware.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

/** The outcome of reading a JSON request body. */
export type JsonBody =
  /** `bytes`: the size of the body as received; undefined when the application's body parser read it. */
  | { readonly kind: 'json'; readonly value: unknown; readonly bytes?: number }
  | { readonly kind: 'invalid' }
  /** Valid JSON nested deeper than `MAX_JSON_DEPTH`: refused before anything recurses over it. */
  | { readonly kind: 'too_deep' }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'timeout' };

type MaybeParsedRequest = IncomingMessage & { body?: unknown; _body?: boolean; rawBody?: unknown };

/**
 * Reads and parses the JSON body, at most `limit` bytes, and gives up (`timeout`) when
 * it has not arrived in full `timeoutMs` after the request arrived (the guards' time
 * included). Uses the body when the application's own body parser already consumed it.
 * Never throws.
 */
export function readJsonBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<JsonBody> {
  const request = req as MaybeParsedRequest;
  if (request._body || request.readableEnded) {
    return Promise.resolve(request.body === undefined ? { kind: 'invalid' } : parsed(request.body));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'too_large' });

  // Plain 'data'/'end' listeners: an async iterator costs several promises per request on the hot path.
  return new Promise<JsonBody>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: JsonBody) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onError);
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), Math.max(0, arrivalOf(req) + timeoutMs - Date.now())).unref();
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      finish({ kind: 'too_large' });
      req.destroy();
    };
    const onEnd = () => {
      try {
        const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
        finish(parsed(JSON.parse(text), size));
      } catch {
        finish({ kind: 'invalid' });
      }
    };
    const onError = () => finish({ kind: 'invalid' });
    // 'close' before 'end': the client went away mid-body.
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onError);
  });
}

/**
 * Drops what the application's body parser left on the request (`body`, and Nest's `rawBody`),
 * for a request that outlives the reading of its body: a `subscriptions/listen` stream keeps its
 * request for hours, and must not keep the body with it.
 */
export function forgetParsedBody(req: IncomingMessage): void {
  const request = req as MaybeParsedRequest;
  if (request.body !== undefined) request.body = undefined;
  if (request.rawBody !== undefined) request.rawBody = undefined;
}

/** A parsed body, unless it nests too deep (JSON.parse itself does not recurse, and takes any depth). */
function parsed(value: unknown, bytes?: number): JsonBody {
  return nestsDeeperThan(value, MAX_JSON_DEPTH) ? { kind: 'too_deep' } : { kind: 'json', value, bytes };
}

/** True for `application/json`, with or without parameters (charset). */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}
