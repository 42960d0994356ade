/** Thrown by {@link withDeadline} when the work did not finish in time. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/**
 * Runs `work` with a signal that aborts when `parent` does or after `timeoutMs`, and
 * stops waiting at that moment (rejecting with {@link DeadlineExceeded}, or with the
 * parent's reason): a tool that ignores its signal cannot hold a request, a closed
 * session or shutdown beyond the deadline.
 */
export async function withDeadline<T>(timeoutMs: number, parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let abortFromParent = () => undefined as void;
  const deadline = new Promise<never>((_resolve, reject) => {
    const stop = (reason: unknown) => {
      controller.abort(reason);
      reject(reason);
    };
    abortFromParent = () => stop(parent.reason);
    timer = setTimeout(() => stop(new DeadlineExceeded(`Did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  deadline.catch(() => undefined);
  if (parent.aborted) abortFromParent();
  else parent.addEventListener('abort', abortFromParent, { once: true });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', abortFromParent);
  }
}
