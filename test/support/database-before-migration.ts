import { DataSource, MigrationInterface } from 'typeorm';
import { createDataSource } from '../../ormconfig';
import { DatabaseConfig } from '../../src/config/database.config';
import { MIGRATIONS } from '../../src/database/migrations';
import { runMigrationsLocked } from '../../src/database/run-migrations';
import { ScratchDatabase, createScratchDatabase } from './scratch-database';

type MigrationClass = new () => MigrationInterface & { name: string };

export interface DatabaseBeforeMigration {
  /** The scratch database's data source; it knows the migrations up to `migration` only. */
  readonly ds: DataSource;
  /** A new instance of the migration under test, to run by hand (`up` on a query runner of `ds`). */
  migration(): MigrationInterface & { name: string };
  /** Records the migration as applied, as the service's start would leave it; then nothing is left to run. */
  recordApplied(): Promise<void>;
}

/**
 * The fixture of a migration's test on data written before it: a scratch database migrated up to
 * `migration` (the later ones need not be undone first), then `migration` taken back. Call it inside
 * `describe`: it adds the suite's beforeAll and afterAll.
 */
export function databaseBeforeMigration(prefix: string, migration: MigrationClass): DatabaseBeforeMigration {
  let scratch: ScratchDatabase | undefined;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    scratch = await createScratchDatabase(prefix);
    const upTo = MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration) + 1);
    ds = createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env));
    ds.setOptions({ migrations: upTo });
    await ds.initialize();
    expect(await runMigrationsLocked(ds)).toHaveLength(upTo.length);
    await ds.undoLastMigration({ transaction: 'none' });
  });
  afterAll(async () => {
    await ds?.destroy();
    await scratch?.drop();
  });
  const started = (): DataSource => {
    if (ds === undefined) throw new Error('databaseBeforeMigration: not set up (used outside a test?)');
    return ds;
  };
  return {
    get ds() {
      return started();
    },
    migration: () => new migration(),
    async recordApplied() {
      const { name } = new migration();
      await started().query(`INSERT INTO schema_migrations (timestamp, name) VALUES ($1, $2)`, [Number(/\d{13}$/.exec(name)![0]), name]);
      expect(await runMigrationsLocked(started())).toHaveLength(0);
    },
  };
}
