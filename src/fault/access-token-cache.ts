import { performance } from 'node:perf_hooks';

const CACHE_LIMIT = 10_000;

/**
 * Rows by id, each kept at most `maxAgeMs` of real elapsed time (never the
 * injectable clock: this bounds how stale a revocation seen by another
 * instance can be). Bounded: when full it starts over.
 */
export class BoundedTtlCache<T> {
  private readonly entries = new Map<string, { value: T; fetchedAtMs: number }>();

  constructor(private readonly maxAgeMs: number) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const nowMs = performance.now();
    const cached = this.entries.get(key);
    if (cached !== undefined && nowMs - cached.fetchedAtMs >= 0 && nowMs - cached.fetchedAtMs < this.maxAgeMs) return cached.value;
    const value = await load();
    if (this.entries.size >= CACHE_LIMIT) this.entries.clear();
    this.entries.set(key, { value, fetchedAtMs: nowMs });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
