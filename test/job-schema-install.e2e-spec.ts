import { Client } from 'pg';
import { installJobSchema } from '../src/jobs/install-job-schema';

/**
 * Instances starting at once on a fresh database each install pg-boss's schema: every one of them
 * must succeed (CI once saw the second of two instances fail with a unique violation on
 * pg_namespace, its catalog cache stale after waiting on pg-boss's advisory lock).
 */
describe('installing the job schema from instances starting at once', () => {
  let db: Client;
  const schema = `jobs_install_race_${process.pid}`;

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  it('installs it once, with every one of 8 concurrent starts succeeding, five times over', async () => {
    for (let round = 0; round < 5; round++) {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => installJobSchema(process.env.DATABASE_URL!, schema)));
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const { rows } = await db.query<{ version: string }>(`SELECT version FROM ${schema}.version`);
      expect(rows).toHaveLength(1);
    }
  }, 60_000);

  it('leaves an installed schema as it is', async () => {
    await installJobSchema(process.env.DATABASE_URL!, schema);
    await db.query(`CREATE TABLE ${schema}.marker (id int)`);
    await installJobSchema(process.env.DATABASE_URL!, schema);
    expect((await db.query(`SELECT to_regclass('${schema}.marker') AS t`)).rows[0].t).not.toBeNull();
  });
});
