import PgBoss from 'pg-boss';
import { Client } from 'pg';

/** SQLSTATEs of a creation that lost a race: unique_violation (on a catalog), duplicate_schema, duplicate_table, duplicate_object. */
const LOST_RACE = new Set(['23505', '42P06', '42P07', '42710']);

/**
 * Installs pg-boss's schema when it is missing, safely when several instances start at once.
 *
 * pg-boss creates it in one transaction under an advisory lock, but a backend that looked the
 * schema up before it waited on that lock keeps the (negative) catalog cache entry of that
 * lookup: once the winner commits, the loser's `CREATE SCHEMA IF NOT EXISTS` inserts a second
 * `pg_namespace` row and fails with a unique violation, which pg-boss does not take for the race
 * it is (seen when two instances start through PgBouncer, whose server connections carry such
 * entries across clients). Here a lost race is retried in a new transaction, which reads the
 * catalog afresh and finds the schema installed; pg-boss's start() then only checks its version.
 */
export async function installJobSchema(databaseUrl: string, schema: string, attempts = 5): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'netops-jobs' });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      const { rows } = await client.query<{ name: string | null }>('SELECT to_regclass($1) AS name', [`${schema}.version`]);
      if (rows[0]?.name !== null) return;
      try {
        await client.query(PgBoss.getConstructionPlans(schema));
        return;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!LOST_RACE.has((error as { code?: string }).code ?? '') || attempt >= attempts) throw error;
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
