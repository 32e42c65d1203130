import { OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affectedRows } from '../database/affected-rows';
import { JobQueue, QueueDefinition } from '../jobs/job-queue';
import { RateLimitStore } from './rate-limit.store';

/** Deletes windows older than two hours from the shared table, every five minutes (once across instances). */
export const RATE_LIMIT_SWEEP_QUEUE: QueueDefinition = { name: 'rate-limit-sweep', policy: 'short', retryLimit: 1, expireInSeconds: 300 };
const RATE_LIMIT_SWEEP_SCHEDULE = '*/5 * * * *';

/**
 * Windows shared by every instance on the database: one upsert per request
 * into an UNLOGGED table (no WAL; losing counts in a crash is harmless).
 * Windows are aligned to the clock so all instances count the same window.
 * Old windows go in a scheduled job of the job queue.
 */
export class PostgresRateLimitStore extends RateLimitStore implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: JobQueue,
  ) {
    super();
  }

  onModuleInit(): void {
    this.jobs.register({ queue: RATE_LIMIT_SWEEP_QUEUE, handle: () => this.sweep().then(() => undefined) });
    this.jobs.schedule(RATE_LIMIT_SWEEP_QUEUE, RATE_LIMIT_SWEEP_SCHEDULE);
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

  /** Deletes the windows that ended more than two hours ago (the longest window is one hour); how many. */
  async sweep(): Promise<number> {
    return affectedRows(await this.dataSource.query(`DELETE FROM rate_limit_hits WHERE window_start < now() - interval '2 hours'`));
  }
}
