import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { seedFaults } from '../src/seed/fault-seeder';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';

/** The project's seeder (npm run seed, the benchmarks' data) on a database of its own. */
describe('fault seeder', () => {
  let scratch: ScratchDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    scratch = await createScratchDatabase('seeder');
    ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
    await runMigrationsLocked(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await scratch?.drop();
  });

  const count = async (sql: string): Promise<number> => Number((await ds.query<Array<{ n: string }>>(sql))[0].n);

  it('loads every fault into the partition of its expiry month (none into the default one), and a rerun adds nothing', async () => {
    expect(await seedFaults(ds, { customerId: 'cus_seeded', total: 3000, retentionDays: 425, batchSize: 1000 })).toBe(3000);
    expect(await count(`SELECT count(*) AS n FROM faults WHERE customer_id = 'cus_seeded'`)).toBe(3000);
    for (const table of ['faults', 'fault_path_segments', 'fault_comments']) expect(await count(`SELECT count(*) AS n FROM ${table}_default`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM fault_comments WHERE customer_id = 'cus_seeded'`)).toBeGreaterThan(0);
    // The created times spread over ~14 months, so their expiries do too.
    expect(await count(`SELECT count(DISTINCT tableoid) AS n FROM faults`)).toBeGreaterThan(6);
    expect(await count(`SELECT count(*) AS n FROM fault_path_segments WHERE customer_id = 'cus_seeded'`)).toBeGreaterThan(3000);
    // Open faults are what correlation reads (fault_open_paths, kept by triggers): the same set.
    expect(await count(`SELECT count(DISTINCT fault_id) AS n FROM fault_open_paths WHERE customer_id = 'cus_seeded'`)).toBe(
      await count(`SELECT count(*) AS n FROM faults WHERE customer_id = 'cus_seeded' AND status = 'unresolved'`),
    );
    expect(await seedFaults(ds, { customerId: 'cus_seeded', total: 3000, retentionDays: 425 })).toBe(0);
  });
});
