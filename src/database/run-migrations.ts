import { DataSource, Migration } from 'typeorm';

/** Any fixed 64-bit number unique to this service's schema. */
const MIGRATION_LOCK_KEY = 7_314_002_411n;
const LOCK_POLL_MS = 100;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so two instances
 * starting at once run each migration exactly once: the second waits, then
 * finds nothing pending.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  return withMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
}

export async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Polled rather than a blocking pg_advisory_lock(): a session blocked in that statement holds a
    // snapshot, and CREATE INDEX CONCURRENTLY (run by the lock holder) waits for every snapshot to end.
    for (;;) {
      const rows = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY.toString()])) as Array<{ locked: boolean }>;
      if (rows[0].locked) break;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    await runner.release();
  }
}
