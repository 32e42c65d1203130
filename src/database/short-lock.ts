import { QueryRunner } from 'typeorm';

/** `work` in a transaction of its own on `runner` (a migration's runner with `transaction = false`). */
export async function inTransaction(runner: QueryRunner, work: () => Promise<void>): Promise<void> {
  await runner.query('BEGIN');
  try {
    await work();
    await runner.query('COMMIT');
  } catch (error) {
    await runner.query('ROLLBACK');
    throw error;
  }
}

/** The statement gave up waiting for a lock (lock_timeout), as TypeORM or pg reports it. */
export function isLockTimeout(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
  return code === '55P03';
}

export interface ShortLockLimits {
  /** How long each statement waits for its lock (`lock_timeout`). */
  lockTimeout: string;
  /** Transactions tried at most; after the last one's lock timeout, its error is thrown. */
  attempts: number;
  /** Pause between two attempts. */
  pauseMs: number;
}

/**
 * `work` in a transaction of its own whose statements wait at most `lockTimeout` for a lock, so DDL
 * behind a long query is delayed instead of queueing every other query behind itself; a transaction
 * that did not get its lock is rolled back and run again.
 */
export async function inShortLockTransaction(runner: QueryRunner, limits: ShortLockLimits, work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(runner, async () => {
        await runner.query(`SET LOCAL lock_timeout = '${limits.lockTimeout}'`);
        await work();
      });
      return;
    } catch (error) {
      if (!isLockTimeout(error) || attempt >= limits.attempts) throw error;
      if (limits.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, limits.pauseMs));
    }
  }
}
