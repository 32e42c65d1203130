import { Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RateLimitStore } from './rate-limit.store';

/**
 * Windows shared by every instance on the database: one upsert per request
 * into an UNLOGGED table (no WAL; losing counts in a crash is harmless).
 * Windows are aligned to the clock so all instances count the same window.
 */
export class PostgresRateLimitStore extends RateLimitStore implements OnModuleDestroy {
  private readonly logger = new Logger(PostgresRateLimitStore.name);
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.sweeper = setInterval(() => void this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<{ count: number; resetAtMs: number }> {
    const windowStartMs = Math.floor(nowMs / windowMs) * windowMs;
    const rows = await this.dataSource.query<Array<{ count: number }>>(
      `INSERT INTO rate_limit_hits (key, window_start, count) VALUES ($1, to_timestamp($2::double precision / 1000), 1)
       ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_hits.count + 1
       RETURNING count`,
      [key, windowStartMs],
    );
    return { count: rows[0].count, resetAtMs: windowStartMs + windowMs };
  }

  private async sweep(): Promise<void> {
    try {
      await this.dataSource.query(`DELETE FROM rate_limit_hits WHERE window_start < now() - interval '2 hours'`);
    } catch (error) {
      this.logger.warn(`could not sweep old rate-limit windows: ${(error as Error).message}`);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
