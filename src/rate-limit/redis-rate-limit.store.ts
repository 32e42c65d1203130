import { Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { MemoryRateLimitStore, RateLimitStore } from './rate-limit.store';

/** How long a command may take before the store counts in memory instead (a request never waits on Redis longer). */
const COMMAND_TIMEOUT_MS = 250;
/** Least time between two warnings about Redis being unavailable. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Windows shared by every instance through Redis (RATE_LIMIT_STORE=redis, REDIS_URL), counted by
 * `rate-limiter-flexible`'s atomic increment-with-expiry. When Redis cannot answer (down, slow,
 * not connected yet) the request is counted by this instance alone (the memory store): the shared
 * limit fails open to a per-instance one, never to a 500 and never to a request waiting on Redis.
 * Each such fallback is counted (`fallbacks`, for the metrics) and warned about once a minute.
 */
export class RedisRateLimitStore extends RateLimitStore implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly client: Redis;
  private readonly limiters = new Map<number, RateLimiterRedis>();
  private readonly local = new MemoryRateLimitStore();
  private lastWarnAt = -Infinity;
  private unwarned = 0;
  /** Requests counted in memory because Redis could not answer. */
  fallbacks = 0;

  constructor(url: string) {
    super();
    this.client = new Redis(url, {
      // Fail fast instead of queueing commands while disconnected: the limiter must never hold a request.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.client.on('error', () => undefined); // reported through the fallback warning, once a minute
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<{ count: number; resetAtMs: number }> {
    try {
      const res = await this.limiter(windowMs).consume(key, 1);
      return { count: res.consumedPoints, resetAtMs: nowMs + res.msBeforeNext };
    } catch (error) {
      // A RateLimiterRes rejection would be the library's own limit, which is set beyond reach: any rejection is Redis failing.
      this.fellBack(error instanceof RateLimiterRes ? new Error('unexpected limit rejection') : (error as Error));
      return this.local.hit(key, windowMs, nowMs);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private limiter(windowMs: number): RateLimiterRedis {
    let limiter = this.limiters.get(windowMs);
    if (limiter === undefined) {
      limiter = new RateLimiterRedis({
        storeClient: this.client,
        keyPrefix: `netops-rl:${windowMs}`,
        // The guard compares the count with RATE_LIMIT_MAX; the library only counts.
        points: Number.MAX_SAFE_INTEGER,
        duration: Math.ceil(windowMs / 1000),
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(windowMs, limiter);
    }
    return limiter;
  }

  private fellBack(error: Error): void {
    this.fallbacks++;
    this.unwarned++;
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.logger.warn(`Redis is unavailable for the shared rate limit (${error.message}); ${this.unwarned} request(s) counted by this instance alone since the last warning`);
    this.lastWarnAt = now;
    this.unwarned = 0;
  }
}
