import { backoffDelayMs } from '../common/backoff';

/**
 * When to try a failed delivery again: base × 2^(attempt−1), capped, with
 * ±20 % jitter so that many failed deliveries do not retry in lockstep.
 * With the defaults (5 s base, 1 h cap) the first retry comes within ~6 s.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, baseMs, maxMs, { jitter: 0.2, random });
}
