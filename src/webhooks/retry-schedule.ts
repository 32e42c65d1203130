/**
 * When to try a failed delivery again: base × 2^(attempt−1), capped, with
 * ±20 % jitter so that many failed deliveries do not retry in lockstep.
 * With the defaults (5 s base, 1 h cap) the first retry comes within ~6 s.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.max(1, Math.round(exponential * (0.8 + 0.4 * random())));
}
