import { humanizeDuration } from './duration';

describe('humanizeDuration', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;

  it.each([
    [0, '0 seconds'],
    [-5 * s, '0 seconds'],
    [999, '0 seconds'],
    [1 * s, '1 second'],
    [59 * s, '59 seconds'],
    [60 * s, '1 minute'],
    [61 * s, '1 minute'],
    [15 * m + 30 * s, '15 minutes'],
    [h, '1 hour'],
    [2 * h + 15 * m, '2 hours, 15 minutes'],
    [2 * h + 15 * m + 59 * s, '2 hours, 15 minutes'],
    [d + 1 * m, '1 day'],
    [3 * d + h + 5 * m, '3 days, 1 hour'],
    [400 * d + 23 * h, '400 days, 23 hours'],
  ])('%d ms → %s', (ms, expected) => {
    expect(humanizeDuration(ms)).toBe(expected);
  });
});
