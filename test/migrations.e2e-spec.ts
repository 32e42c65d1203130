import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { pendingSchemaChanges } from '../src/database/cli/generate-migration';
import { MIGRATIONS } from '../src/database/migrations';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';

/** Migrations on a database of their own: up, no drift from the entities, all the way down, and up again. */
describe('migrations', () => {
  let scratch: ScratchDatabase;
  let url: string;

  const open = async (): Promise<DataSource> => createDataSource(url, DatabaseConfig.fromEnv(process.env)).initialize();
  const tables = async (ds: DataSource): Promise<string[]> =>
    (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map((r: { tablename: string }) => r.tablename);

  beforeAll(async () => {
    scratch = await createScratchDatabase('mig');
    url = scratch.url;
  });
  afterAll(() => scratch.drop());

  it('apply from scratch and leave no difference from the entities', async () => {
    const ds = await open();
    try {
      const applied = await runMigrationsLocked(ds);
      expect(applied).toHaveLength(MIGRATIONS.length);
      expect(await pendingSchemaChanges(ds)).toEqual({ up: [], down: [] });
    } finally {
      await ds.destroy();
    }
  });

  it('run once when two instances start at the same moment', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    try {
      await Promise.all([a.undoLastMigration(), Promise.resolve()]).catch(() => undefined);
      const results = await Promise.all([runMigrationsLocked(a), runMigrationsLocked(b)]);
      expect(results[0].length + results[1].length).toBe(MIGRATIONS.length > 0 ? 1 : 0);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it('revert all the way down, then apply again', async () => {
    const ds = await open();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables(ds)).toEqual(['schema_migrations']);
      expect(await runMigrationsLocked(ds)).toHaveLength(MIGRATIONS.length);
      expect(await pendingSchemaChanges(ds)).toEqual({ up: [], down: [] });
    } finally {
      await ds.destroy();
    }
  });
});
