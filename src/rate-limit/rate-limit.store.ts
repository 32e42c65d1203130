/** Counts requests per key in fixed windows. */
export abstract class RateLimitStore {
  /** Records one request for `key`; returns the count in the current window and when it resets (epoch ms). */
  abstract hit(key: string, windowMs: number, nowMs: number): Promise<{ count: number; resetAtMs: number }>;
}

/** In-process windows: exact for one instance, and costs no I/O on the hot path. */
export class MemoryRateLimitStore extends RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAtMs: number }>();
  private lastSweepMs = 0;

  async hit(key: string, windowMs: number, nowMs: number): Promise<{ count: number; resetAtMs: number }> {
    this.sweep(nowMs);
    let window = this.windows.get(key);
    if (window === undefined || window.resetAtMs <= nowMs) {
      window = { count: 0, resetAtMs: nowMs + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { ...window };
  }

  /** Drop expired windows at most once a second, so memory stays bounded by active callers. */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 1000) return;
    this.lastSweepMs = nowMs;
    for (const [key, window] of this.windows) if (window.resetAtMs <= nowMs) this.windows.delete(key);
  }
}
