import { retryDelayMs } from './retry-schedule';

describe('retryDelayMs', () => {
  const mid = (): number => 0.5;

  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 5_000, 3_600_000, mid))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(20, 5_000, 3_600_000, mid)).toBe(3_600_000);
    expect(retryDelayMs(10_000, 5_000, 3_600_000, mid)).toBe(3_600_000);
  });

  it('puts the first retry within 30 s with the defaults, whatever the jitter', () => {
    expect(retryDelayMs(1, 5_000, 3_600_000, () => 0.999)).toBeLessThan(30_000);
    expect(retryDelayMs(1, 5_000, 3_600_000, () => 0)).toBeGreaterThanOrEqual(4_000);
  });

  it('keeps retrying for more than 24 h before 3 days run out (sum of delays)', () => {
    let total = 0;
    let attempts = 0;
    while (total < 24 * 3_600_000) total += retryDelayMs(++attempts, 5_000, 3_600_000, mid);
    expect(attempts).toBeGreaterThan(20);
  });
});
