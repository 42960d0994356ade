/** The longest delay `setTimeout` honours. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * `response` with a body that ends at `deadline` (milliseconds since the epoch): the
 * original body is cancelled then, which is how the SDK learns the stream is gone. A
 * response that is not an event stream (an error answer) is returned as it is.
 */
export function endingAt(response: Response, deadline: number): Response {
  const source = response.body;
  if (source === null || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  const reader = source.getReader();
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const end = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    void reader.cancel().catch(() => undefined);
    controller.close();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Capped at the longest delay a timer takes (about 24.8 days); longer would fire at once.
      // Unreferenced: the stream's connection keeps the process alive, the deadline alone should not.
      timer = setTimeout(() => end(controller), Math.min(MAX_TIMER_DELAY_MS, Math.max(0, deadline - Date.now()))).unref();
    },
    async pull(controller) {
      const chunk = await reader.read();
      if (ended) return;
      if (chunk.done) end(controller);
      else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      ended = true;
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * `response` with a body that calls `done` once, when the stream ends or its reader (the
 * client) goes away, after the stream under it has been cancelled. A response that is not
 * an event stream calls it at once.
 */
export function whenEnded(response: Response, done: () => void): Response {
  const source = response.body;
  if (source === null || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    done();
    return response;
  }
  const reader = source.getReader();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (!chunk.done) return controller.enqueue(chunk.value);
        finish();
        controller.close();
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      // Once the stream under it is gone: a place given back before the SDK let go of its own could be refused by it.
      return reader.cancel(reason).finally(finish);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
