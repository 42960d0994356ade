import { DeadlineExceeded, withDeadline } from './with-deadline.js';

describe('withDeadline', () => {
  const never = () => new Promise<never>(() => undefined);

  it('returns what the work returns when it finishes in time', async () => {
    await expect(withDeadline(1_000, new AbortController().signal, async () => 42)).resolves.toBe(42);
  });

  it('aborts the work signal and rejects with DeadlineExceeded when time is up, even if the work ignores its signal', async () => {
    let seen: AbortSignal | undefined;
    const outcome = withDeadline(20, new AbortController().signal, (deadline) => {
      seen = deadline.signal;
      return never();
    });
    await expect(outcome).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(DeadlineExceeded);
  });

  it('stops at once when the parent aborts (client cancelled, session closed), with the parent reason', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const outcome = withDeadline(60_000, parent.signal, (deadline) => {
      seen = deadline.signal;
      return never();
    });
    parent.abort(new Error('cancelled'));
    await expect(outcome).rejects.toThrow('cancelled');
    expect(seen?.aborted).toBe(true);
  });

  it('hands a signal read only after the deadline already aborted', async () => {
    let read: (() => AbortSignal) | undefined;
    const outcome = withDeadline(10, new AbortController().signal, (deadline) => {
      read = () => deadline.signal;
      return never();
    });
    await expect(outcome).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(read?.().aborted).toBe(true);
    expect(read?.().reason).toBeInstanceOf(DeadlineExceeded);
  });

  it('does not start work whose parent is already aborted', async () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    let started = false;
    await expect(withDeadline(1_000, parent.signal, async () => (started = true))).rejects.toThrow('gone');
    expect(started).toBe(false);
  });

  it("passes on the work's own failure, thrown or rejected", async () => {
    await expect(
      withDeadline(1_000, new AbortController().signal, () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    await expect(withDeadline(1_000, new AbortController().signal, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
