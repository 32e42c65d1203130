import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, 200, 5000))).toEqual([200, 400, 800, 1600, 3200, 5000]);
    expect(backoffDelayMs(1000, 200, 5000)).toBe(5000); // no overflow for huge attempt counts
  });

  it('spreads by the jitter around the delay, never below 1 ms', () => {
    expect(backoffDelayMs(1, 5000, 3_600_000, { jitter: 0.2, random: () => 0 })).toBe(4000);
    expect(backoffDelayMs(1, 5000, 3_600_000, { jitter: 0.2, random: () => 1 })).toBe(6000);
    expect(backoffDelayMs(1, 1, 10, { jitter: 0.99, random: () => 0 })).toBe(1);
  });
});
