import { DataSource, Migration } from 'typeorm';

/** Any fixed 64-bit number unique to this service's schema. */
const MIGRATION_LOCK_KEY = 7_314_002_411n;

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
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    await runner.release();
  }
}
