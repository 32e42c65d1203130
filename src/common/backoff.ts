/**
 * The one exponential backoff of the service: `baseMs × 2^(attempt−1)`, capped at `maxMs`, with
 * ±`jitter` (a fraction: 0.2 is ±20 %) so that many retries do not come in lockstep. Webhook
 * retries, the LISTEN reconnect, database connection retries and the embedded PostgreSQL restart
 * all wait with it.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, options: { jitter?: number; random?: () => number } = {}): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jitter = options.jitter ?? 0;
  if (jitter === 0) return exponential;
  return Math.max(1, Math.round(exponential * (1 - jitter + 2 * jitter * (options.random ?? Math.random)())));
}
