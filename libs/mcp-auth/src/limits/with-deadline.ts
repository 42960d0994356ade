/** Thrown by {@link withDeadline} when the work did not finish in time. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/** What {@link withDeadline} hands the work. */
export interface Deadline {
  /**
   * Aborts when the parent signal does or when time is up. Created on first read:
   * most tools never look at it, and an `AbortController` per call is not free.
   */
  readonly signal: AbortSignal;
}

/**
 * Runs `work` with a signal that aborts when `parent` does or after `timeoutMs`, and
 * stops waiting at that moment (rejecting with {@link DeadlineExceeded}, or with the
 * parent's reason): a tool that ignores its signal cannot hold a request, a closed
 * session or shutdown beyond the deadline.
 */
export function withDeadline<T>(timeoutMs: number, parent: AbortSignal, work: (deadline: Deadline) => Promise<T>): Promise<T> {
  let controller: AbortController | undefined;
  let stopped: { reason: unknown } | undefined;
  const deadline: Deadline = {
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (stopped) controller.abort(stopped.reason);
      }
      return controller.signal;
    },
  };
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    };
    const stop = (reason: unknown) => {
      if (settled) return;
      settle();
      stopped = { reason };
      controller?.abort(reason);
      reject(reason);
    };
    const onParentAbort = () => stop(parent.reason);
    const timer = setTimeout(() => stop(new DeadlineExceeded(`Did not finish within ${timeoutMs} ms`)), timeoutMs);
    if (parent.aborted) return stop(parent.reason);
    parent.addEventListener('abort', onParentAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = work(deadline);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        if (settled) return;
        settle();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      },
    );
  });
}
