import { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { pendingSchemaChanges } from '../src/database/cli/generate-migration';
import { MIGRATIONS } from '../src/database/migrations';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';

/**
 * TypeORM misreads the partitioned `events` table (its schema diff sees the two (xid, seq) indexes in
 * column-number order and the xid default without its casts) and so proposes to recreate them. Those
 * statements are left out of the drift check and the real definitions are checked in pg_catalog
 * instead (`eventsAsDeclared`), so a real drift there still fails.
 */
const TYPEORM_MISREADS = [/"idx_events_(customer_)?position"/, /"events" ALTER COLUMN "xid" SET DEFAULT/];

async function drift(ds: DataSource): Promise<{ up: string[]; down: string[] }> {
  const { up, down } = await pendingSchemaChanges(ds);
  const real = (q: string): boolean => !TYPEORM_MISREADS.some((known) => known.test(q));
  return { up: up.filter(real), down: down.filter(real) };
}

async function eventsAsDeclared(ds: DataSource): Promise<void> {
  const indexes = await ds.query<Array<{ indexname: string; indexdef: string }>>(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname LIKE 'idx_events_%position' ORDER BY 1`);
  expect(indexes.map((i) => [i.indexname, /\((.*)\)$/.exec(i.indexdef)?.[1]])).toEqual([
    ['idx_events_customer_position', 'customer_id, xid, seq'],
    ['idx_events_position', 'xid, seq'],
  ]);
  const defaults = await ds.query<Array<{ expr: string }>>(
    `SELECT pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'events'::regclass AND a.attname = 'xid'`,
  );
  expect(defaults).toEqual([{ expr: '((pg_current_xact_id())::text)::bigint' }]);
}

/**
 * TypeORM does not see partitioning at all (a partitioned table and a plain one diff the same), so
 * the partitioned tables' partition keys are checked in pg_catalog.
 */
const PARTITIONED = [
  ['events', 'RANGE (created_at)'],
  ['fault_comments', 'RANGE (fault_ttl)'],
  ['fault_idempotency_keys', 'RANGE (created_at)'],
  ['fault_path_segments', 'RANGE (fault_ttl)'],
  ['fault_timeline', 'RANGE (fault_expires_at)'],
  ['faults', 'RANGE (ttl)'],
  ['webhook_deliveries', 'RANGE (created_at)'],
];

async function partitionedAsDeclared(ds: DataSource): Promise<void> {
  const rows = await ds.query<Array<{ name: string; key: string }>>(
    `SELECT c.relname AS name, pg_get_partkeydef(c.oid) AS key FROM pg_class c WHERE c.relkind = 'p' AND c.relname = ANY($1) ORDER BY 1`,
    [PARTITIONED.map(([name]) => name)],
  );
  expect(rows.map((r) => [r.name, r.key])).toEqual(PARTITIONED);
}

/**
 * TypeORM reads `vault_event` right (no statement of it is left out of the drift check), but it
 * sees neither partitioning nor triggers: those are checked here, after the first apply and after
 * the revert and reapply (the way back made it one plain table with a nullable tenant again).
 */
async function vaultEventAsDeclared(ds: DataSource): Promise<void> {
  const [table] = await ds.query<Array<{ key: string; pk: string; tenant_not_null: boolean }>>(
    `SELECT pg_get_partkeydef('vault_event'::regclass) AS key,
            (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'vault_event'::regclass AND contype = 'p') AS pk,
            (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'vault_event'::regclass AND attname = 'customer_id') AS tenant_not_null`,
  );
  expect(table).toEqual({ key: 'RANGE (created_at)', pk: 'PRIMARY KEY (customer_id, id, created_at)', tenant_not_null: true });
  const triggers = await ds.query<Array<{ tgname: string }>>(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'vault_event'::regclass ORDER BY 1`);
  expect(triggers.map((t) => t.tgname)).toEqual(['vault_event_no_tenant']);
  const sequences = await ds.query<Array<{ name: string }>>(`SELECT pg_get_serial_sequence('vault_event', 'id') AS name`);
  expect(sequences).toEqual([{ name: 'public.vault_event_id_seq' }]);
}

/** Migrations on a database of their own: up, no drift from the entities, all the way down, and up again. */
describe('migrations', () => {
  let scratch: ScratchDatabase;
  let url: string;

  const open = async (): Promise<DataSource> => createDataSource(url, DatabaseConfig.fromEnv(process.env)).initialize();
  const tables = async (ds: DataSource): Promise<string[]> =>
    (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map((r: { tablename: string }) => r.tablename);

  /** No difference from the entities, and what TypeORM's diff cannot see (partitioning, triggers) as declared. */
  async function expectSchemaAsDeclared(ds: DataSource): Promise<void> {
    expect(await drift(ds)).toEqual({ up: [], down: [] });
    await eventsAsDeclared(ds);
    await vaultEventAsDeclared(ds);
    await partitionedAsDeclared(ds);
  }

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
      await expectSchemaAsDeclared(ds);
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
      await expectSchemaAsDeclared(ds);
    } finally {
      await ds.destroy();
    }
  });
});
