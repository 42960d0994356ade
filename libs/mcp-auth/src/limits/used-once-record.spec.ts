import { UsedOnceRecord } from './used-once-record.js';

describe('UsedOnceRecord', () => {
  let now = 1_000_000;
  const record = () => new UsedOnceRecord({ ttlMs: 10_000, maxEntries: 100, namespace: 'test', fullWarning: 'full', now: () => now });

  it('accepts an identifier once within its window, then again once the window is over', async () => {
    const used = record();
    await expect(used.firstUse('a')).resolves.toBe(true);
    await expect(used.firstUse('a')).resolves.toBe(false);
    await expect(used.firstUse('b')).resolves.toBe(true);
    now += 20_001;
    await expect(used.firstUse('a')).resolves.toBe(true);
  });

  it('without Redis, this instance decides alone', async () => {
    const used = record();
    expect(used.shared).toBe(false);
    await expect(used.claimInFleet('x')).resolves.toBe(true);
  });
});
