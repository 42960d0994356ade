import type { McpPrincipal } from '../authentication/principal.js';
import { isKnownUser } from '../authentication/known-user.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';

/** The longest delay `setTimeout` honours. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Whether `response` is a stream of server-sent events (not an error answer, not JSON). */
export function isEventStream(response: Response): boolean {
  return response.body !== null && (response.headers.get('content-type')?.startsWith('text/event-stream') ?? false);
}

/**
 * An event-stream `response` that can be ended from outside: `end()` closes the body the client
 * reads and cancels the SDK's stream under it (which is how the SDK learns it is gone).
 * `onEnded` runs once, when the stream has ended whichever way (`end()`, the stream's own end,
 * the client going away), after the stream under it was cancelled. Only for an event stream
 * (see {@link isEventStream}).
 */
export function endableStream(response: Response, onEnded: () => void): { readonly response: Response; end(): void } {
  const reader = response.body!.getReader();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let ended = false;
  const finish = () => {
    if (ended) return false;
    ended = true;
    return true;
  };
  const end = () => {
    if (!finish()) return;
    // Once the stream under it is gone: a place given back before the SDK let go of its own could be refused by it.
    void reader
      .cancel()
      .catch(() => undefined)
      .finally(onEnded);
    controller?.close();
  };
  const body = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
    },
    async pull(streamController) {
      try {
        const chunk = await reader.read();
        if (ended) return;
        if (!chunk.done) return streamController.enqueue(chunk.value);
        finish();
        onEnded();
        streamController.close();
      } catch (error) {
        if (!finish()) return;
        onEnded();
        streamController.error(error);
      }
    },
    cancel(reason) {
      if (!finish()) return;
      return reader.cancel(reason).finally(onEnded);
    },
  });
  return { response: new Response(body, { status: response.status, headers: response.headers }), end };
}

/**
 * Watches an open stream of `principal` (a `subscriptions/listen` stream, a legacy session's
 * GET stream) and calls `end` when the token that opened it expires, or, with `validateUser`,
 * when a re-check (every `revalidateUserMs`) finds the user no longer known: the guard asked
 * once, when the stream opened, and a stream lives as long as its token. Returns the function
 * that stops watching; call it when the stream ends. The timers never hold the process open.
 */
export function watchStream(
  principal: McpPrincipal,
  options: Pick<ResolvedMcpAuthOptions, 'validateUser' | 'revalidateUserMs'>,
  end: () => void,
): () => void {
  let stopped = false;
  let expiry: NodeJS.Timeout | undefined;
  let recheck: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(expiry);
    clearTimeout(recheck);
  };
  const endNow = () => {
    if (stopped) return;
    stop();
    end();
  };
  if (principal.expiresAt !== undefined) {
    // Capped at the longest delay a timer takes (about 24.8 days); longer would fire at once.
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, principal.expiresAt * 1000 - Date.now()));
    expiry = setTimeout(endNow, delay).unref();
  }
  if (options.validateUser) {
    // One check at a time: the next is scheduled once the last has answered.
    const schedule = () => {
      recheck = setTimeout(() => {
        void isKnownUser(principal, options).then((known) => {
          if (stopped) return;
          if (known) schedule();
          else endNow();
        });
      }, options.revalidateUserMs).unref();
    };
    schedule();
  }
  return stop;
}
