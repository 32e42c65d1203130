import { crossedHorizon } from './vault-expiry-reminders';

describe('crossedHorizon', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const inDays = (d: number): Date => new Date(now.getTime() + d * 86_400_000);

  it('is the smallest horizon the expiry falls within, 0 once expired, null when none yet', () => {
    expect(crossedHorizon(inDays(45), now, [30, 7, 1])).toBeNull();
    expect(crossedHorizon(inDays(30), now, [30, 7, 1])).toBe(30);
    expect(crossedHorizon(inDays(8), now, [30, 7, 1])).toBe(30);
    expect(crossedHorizon(inDays(5), now, [30, 7, 1])).toBe(7);
    expect(crossedHorizon(inDays(0.5), now, [30, 7, 1])).toBe(1);
    expect(crossedHorizon(now, now, [30, 7, 1])).toBe(0);
    expect(crossedHorizon(inDays(-3), now, [30, 7, 1])).toBe(0);
  });
});
