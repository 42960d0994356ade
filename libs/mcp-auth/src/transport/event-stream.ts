import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/** The headers of an answer sent as a server-sent-event stream, as the SDK's transports write them. */
export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * How often a stream that waits (for a person's answer to a question, say) says it is alive, so
 * that proxies with an idle timeout (60 s in docs/haproxy.cfg) keep it open: the SDK's default
 * (`DEFAULT_SSE_KEEP_ALIVE_MS`).
 */
export const KEEP_ALIVE_MS = 15_000;

/** The comment a waiting stream sends every {@link KEEP_ALIVE_MS}. */
export const KEEP_ALIVE_COMMENT = ': keepalive\n\n';

/** One JSON-RPC message as an event of the stream. */
export function eventFrame(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
