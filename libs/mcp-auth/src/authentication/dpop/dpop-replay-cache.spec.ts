import { DpopReplayCache } from './dpop-replay-cache.js';

describe('DpopReplayCache (this instance)', () => {
  let now = 0;
  const cache = (maxEntries = 100) => new DpopReplayCache({ ttlMs: 10_000, maxEntries, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('accepts a proof once within the window', () => {
    const replay = cache();
    const id = replay.proofId('key-thumbprint', 'jti-1');
    expect(replay.firstSeenHere(id)).toBe(true);
    expect(replay.firstSeenHere(id)).toBe(false);
    now += 9_999;
    expect(replay.firstSeenHere(id)).toBe(false);
  });

  it('knows a proof by its key and its jti: the same jti under another key is another proof', () => {
    const replay = cache();
    expect(replay.proofId('key-a', 'jti')).not.toBe(replay.proofId('key-b', 'jti'));
    expect(replay.proofId('key-a', 'jti')).not.toContain('jti');
  });

  it('forgets a proof after one to two windows (it is refused by its age by then)', () => {
    const replay = cache();
    const id = replay.proofId('k', 'old');
    replay.firstSeenHere(id);
    now += 20_001;
    expect(replay.firstSeenHere(id)).toBe(true);
  });

  it('stays within its bound: the older half is dropped early', () => {
    const replay = cache(4);
    const ids = ['a', 'b', 'c', 'd', 'e'].map((jti) => replay.proofId('k', jti));
    for (const id of ids) expect(replay.firstSeenHere(id)).toBe(true);
    // a and b were the older generation when e arrived: forgotten; c, d (and e) remembered.
    expect(replay.firstSeenHere(ids[2])).toBe(false);
    expect(replay.firstSeenHere(ids[4])).toBe(false);
    expect(replay.firstSeenHere(ids[0])).toBe(true);
  });

  it('without Redis, the fleet check agrees (this instance decided)', async () => {
    const replay = cache();
    expect(replay.shared).toBe(false);
    await expect(replay.claimInFleet(replay.proofId('k', 'x'))).resolves.toBe(true);
  });
});
