import { DeadlineExceeded, withDeadline } from './with-deadline.js';

describe('withDeadline', () => {
  const never = () => new Promise<never>(() => undefined);

  it('returns what the work returns when it finishes in time', async () => {
    await expect(withDeadline(1_000, new AbortController().signal, async () => 42)).resolves.toBe(42);
  });

  it('aborts the work signal and rejects with DeadlineExceeded when time is up, even if the work ignores its signal', async () => {
    let seen: AbortSignal | undefined;
    const outcome = withDeadline(20, new AbortController().signal, (signal) => {
      seen = signal;
      return never();
    });
    await expect(outcome).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(DeadlineExceeded);
  });

  it('stops at once when the parent aborts (client cancelled, session closed), with the parent reason', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const outcome = withDeadline(60_000, parent.signal, (signal) => {
      seen = signal;
      return never();
    });
    parent.abort(new Error('cancelled'));
    await expect(outcome).rejects.toThrow('cancelled');
    expect(seen?.aborted).toBe(true);
  });

  it('passes on the work\'s own failure', async () => {
    await expect(withDeadline(1_000, new AbortController().signal, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
