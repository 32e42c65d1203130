import { DataSource } from 'typeorm';
import { createDataSource } from '../../ormconfig';
import { DatabaseConfig } from '../../src/config/database.config';
import { runMigrationsLocked } from '../../src/database/run-migrations';
import { ScratchDatabase, createScratchDatabase } from './scratch-database';

export interface MigratedDatabase {
  readonly scratch: ScratchDatabase;
  /** The service's DataSource on it (every entity), initialized. */
  readonly ds: DataSource;
}

/**
 * A scratch database of the suite's own, every migration run, for tests of the schema itself. Call
 * it inside `describe`: created in beforeAll, closed and dropped in afterAll; the answer's fields
 * hold it once the suite's tests run.
 */
export function migratedScratchDatabase(prefix: string): MigratedDatabase {
  let scratch: ScratchDatabase | undefined;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    scratch = await createScratchDatabase(prefix);
    ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    await runMigrationsLocked(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await scratch?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('migratedScratchDatabase: not created yet (used outside a test?)');
    return value;
  };
  return {
    get scratch() {
      return ready(scratch);
    },
    get ds() {
      return ready(ds);
    },
  };
}
