/**
 * Identical warnings, repeated — one per failed request while the database is down — flood a log (thousands of
 * lines in seconds) and hide what else happened. The first of a kind is written; repeats within `windowMs` are
 * counted, and the next one written after the window says how many were left out.
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, { sinceMs: number; suppressed: number }>();

  constructor(
    private readonly windowMs = 10_000,
    private readonly maxKinds = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** undefined: leave this line out; a number: write it, noting that many repeats were left out before it. */
  admit(key: string): number | undefined {
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry !== undefined && now - entry.sinceMs < this.windowMs) {
      entry.suppressed += 1;
      return undefined;
    }
    if (entry === undefined && this.seen.size >= this.maxKinds) this.seen.clear();
    this.seen.set(key, { sinceMs: now, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }
}
