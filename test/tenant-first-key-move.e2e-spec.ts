import { QueryRunner } from 'typeorm';
import { FaultsTenantFirstKey1796730000000 } from '../src/database/migrations/1796730000000-FaultsTenantFirstKey';
import { PartitionFaults1796750000000 } from '../src/database/migrations/1796750000000-PartitionFaults';
import { PartitionFaultChildren1796770000000 } from '../src/database/migrations/1796770000000-PartitionFaultChildren';
import { VaultItemsTenantFirstKey1796740000000 } from '../src/database/migrations/1796740000000-VaultItemsTenantFirstKey';
import { migratedScratchDatabase } from './support/migrated-database';

/**
 * The tenant-first key moves of the tables other tables' foreign keys reference (faults,
 * fault_silences, vault_item, and vault_item_version with them; docs/scaling.md): on a migrated
 * database with rows, both migrations are taken back, runs killed at different steps are planted (an
 * INVALID index, a foreign key left NOT VALID, an old foreign key left beside its validated
 * replacement), and one rerun must leave exactly the schema of a clean run, with every row kept.
 */
const TABLES = ['faults', 'fault_comments', 'fault_path_segments', 'fault_silences', 'fault_silence_windows', 'vault_item', 'vault_item_version'];
const MOVES = [new FaultsTenantFirstKey1796730000000(), new VaultItemsTenantFirstKey1796740000000()];

describe('tenant-first keys of referenced tables: moved online, finished by a rerun', () => {
  const db = migratedScratchDatabase('tfkmove');
  const q = <T = unknown>(sql: string, params: unknown[] = []): Promise<T[]> => db.ds.query<T[]>(sql, params);

  /** Keys, foreign keys and indexes of the tables involved, as pg_catalog states them, with their validity. */
  const schema = async (): Promise<string[]> => {
    const constraints = await q<{ line: string }>(
      `SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END AS line
       FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'f', 'u') ORDER BY 1`,
      [TABLES],
    );
    const indexes = await q<{ line: string }>(
      `SELECT pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END AS line
       FROM pg_index x WHERE x.indrelid = ANY($1::regclass[]) ORDER BY 1`,
      [TABLES],
    );
    return [...constraints, ...indexes].map((r) => r.line);
  };
  const counts = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`))[0].n;
    return out;
  };
  const withRunner = async (work: (runner: QueryRunner) => Promise<void>): Promise<void> => {
    const runner = db.ds.createQueryRunner();
    try {
      await work(runner);
    } finally {
      await runner.release();
    }
  };
  /** What a build killed mid-way leaves: the index, marked invalid. */
  const plantInvalidIndex = async (name: string, definition: string): Promise<void> => {
    await q(`CREATE UNIQUE INDEX "${name}" ON ${definition}`);
    await q(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = $1::regclass`, [name]);
  };

  beforeAll(async () => {
    // These moves ran before faults and its children were partitioned (PartitionFaults: its key gains
    // ttl, the foreign keys into it go; PartitionFaultChildren: the children's keys gain fault_ttl):
    // the scratch database goes back to the schema they produced.
    await withRunner((runner) => new PartitionFaultChildren1796770000000().down(runner));
    await withRunner((runner) => new PartitionFaults1796750000000().down(runner));
    const now = new Date('2030-01-01T00:00:00Z');
    for (const customer of ['cus_move_a', 'cus_move_b']) {
      for (let i = 0; i < 3; i++) {
        const fault = `flt_${customer}_${i}`;
        await q(
          `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, created_at, updated_at, ttl)
           VALUES ($1, $2, 'res', 'ms', 'LINK_DOWN', 'unresolved', 'HIGH', 'down', $3, $3, 4102444800)`,
          [fault, customer, now],
        );
        await q(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) VALUES (gen_random_uuid(), $1, $2, 'u', 'c', $3)`, [fault, customer, now]);
        await q(`INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at) VALUES ($1, 'site_1', $2, $3)`, [fault, customer, now]);
        const silence = `sil_${customer}_${i}`;
        await q(`INSERT INTO fault_silences (id, customer_id, starts_at, ends_at, comment, created_by, created_at) VALUES ($1, $2, $3, $3, 'm', 'u', $3)`, [silence, customer, now]);
        await q(`INSERT INTO fault_silence_windows (customer_id, silence_id, starts_at, ends_at) VALUES ($1, $2, $3, $3)`, [customer, silence, now]);
        const item = `vlt_${customer}_${i}`;
        await q(`INSERT INTO vault_item (id, customer_id, name, kind, created_at, updated_at, version) VALUES ($1, $2, $3, 'api_key', $4, $4, 2)`, [item, customer, `name-${i}`, now]);
        await q(
          `INSERT INTO vault_item_version (vault_id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, created_at)
           VALUES ($1, 1, $2, 3, 'local', 'k', '1', '\\x00', '\\x00', $3)`,
          [item, customer, now],
        );
      }
    }
  });

  it('a rerun after runs killed at every step leaves the schema of a clean run and every row', async () => {
    const clean = await schema();
    const rows = await counts();
    expect(clean).toEqual(
      expect.arrayContaining([
        'faults faults_pkey PRIMARY KEY (customer_id, id)',
        'fault_comments fault_comments_customer_fault_fk FOREIGN KEY (customer_id, fault_id) REFERENCES faults(customer_id, id) ON DELETE CASCADE',
        'fault_path_segments fault_path_segments_customer_fault_fk FOREIGN KEY (customer_id, fault_id) REFERENCES faults(customer_id, id) ON DELETE CASCADE',
        'fault_silences fault_silences_pkey PRIMARY KEY (customer_id, id)',
        'fault_silence_windows fault_silence_windows_customer_silence_fk FOREIGN KEY (customer_id, silence_id) REFERENCES fault_silences(customer_id, id) ON DELETE CASCADE',
        'vault_item pk_vault_item PRIMARY KEY (customer_id, id)',
        'vault_item_version pk_vault_item_version PRIMARY KEY (customer_id, vault_id, version)',
        'vault_item_version fk_vault_item_version_customer_item FOREIGN KEY (customer_id, vault_id) REFERENCES vault_item(customer_id, id) ON DELETE CASCADE',
        'CREATE INDEX faults_id_idx ON public.faults USING btree (id)',
        'CREATE INDEX idx_vault_item_id ON public.vault_item USING btree (id)',
        'CREATE INDEX idx_vault_item_version_vault ON public.vault_item_version USING btree (vault_id, version)',
      ]),
    );
    expect(clean.filter((line) => / FOREIGN KEY \("?(fault_id|silence_id|vault_id)"?\)/.test(line))).toEqual([]);

    await withRunner(async (runner) => {
      for (const move of [...MOVES].reverse()) await move.down(runner);
    });
    expect((await schema()).filter((line) => line.includes('(customer_id, id)') && line.includes('PRIMARY KEY'))).toEqual([
      'fault_comments fault_comments_pkey PRIMARY KEY (customer_id, id)',
    ]);

    // faults: the new key's index built, the comments' foreign key added NOT VALID, then killed.
    await q(`CREATE UNIQUE INDEX "faults_pkey_tenant_first" ON "faults" ("customer_id", "id")`);
    await q(`ALTER TABLE fault_comments ADD CONSTRAINT fault_comments_customer_fault_fk FOREIGN KEY (customer_id, fault_id) REFERENCES faults (customer_id, id) ON DELETE CASCADE NOT VALID`);
    // fault_silences: killed while its key's index was building.
    await plantInvalidIndex('fault_silences_pkey_tenant_first', `"fault_silences" ("customer_id", "id")`);
    // vault_item: killed while the plain id index was building, after the new foreign key was validated, before the old one was dropped.
    await plantInvalidIndex('idx_vault_item_id', `"vault_item" ("id")`);
    await q(`CREATE UNIQUE INDEX "pk_vault_item_tenant_first" ON "vault_item" ("customer_id", "id")`);
    await q(`ALTER TABLE vault_item_version ADD CONSTRAINT fk_vault_item_version_customer_item FOREIGN KEY (customer_id, vault_id) REFERENCES vault_item (customer_id, id) ON DELETE CASCADE`);
    // vault_item_version: its key's index left INVALID.
    await plantInvalidIndex('pk_vault_item_version_tenant_first', `"vault_item_version" ("customer_id", "vault_id", "version")`);
    expect((await schema()).filter((line) => line.endsWith(' INVALID') || line.endsWith(' NOT VALID'))).toHaveLength(4);

    await withRunner(async (runner) => {
      for (const move of MOVES) await move.up(runner);
    });
    expect(await schema()).toEqual(clean);
    expect(await counts()).toEqual(rows);

    // Once more on a finished move: nothing changes.
    await withRunner(async (runner) => {
      for (const move of MOVES) await move.up(runner);
    });
    expect(await schema()).toEqual(clean);
  });

  it('the composite foreign keys cascade as before and refuse a child of another tenant', async () => {
    await q(`DELETE FROM faults WHERE customer_id = 'cus_move_a' AND id = 'flt_cus_move_a_0'`);
    expect(await q(`SELECT fault_id FROM fault_comments WHERE fault_id = 'flt_cus_move_a_0' UNION ALL SELECT fault_id FROM fault_path_segments WHERE fault_id = 'flt_cus_move_a_0'`)).toEqual([]);
    await q(`DELETE FROM fault_silences WHERE customer_id = 'cus_move_a' AND id = 'sil_cus_move_a_0'`);
    expect(await q(`SELECT 1 FROM fault_silence_windows WHERE silence_id = 'sil_cus_move_a_0'`)).toEqual([]);
    await q(`DELETE FROM vault_item WHERE customer_id = 'cus_move_a' AND id = 'vlt_cus_move_a_0'`);
    expect(await q(`SELECT 1 FROM vault_item_version WHERE vault_id = 'vlt_cus_move_a_0'`)).toEqual([]);

    await expect(
      q(`INSERT INTO fault_comments (id, fault_id, customer_id, user_id, comment, created_at) VALUES (gen_random_uuid(), 'flt_cus_move_a_1', 'cus_move_b', 'u', 'c', now())`),
    ).rejects.toMatchObject({ driverError: { code: '23503' } });
    await expect(
      q(
        `INSERT INTO vault_item_version (vault_id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext, created_at)
         VALUES ('vlt_cus_move_a_1', 9, 'cus_move_b', 3, 'local', 'k', '1', '\\x00', '\\x00', now())`,
      ),
    ).rejects.toMatchObject({ driverError: { code: '23503' } });
  });

  it('reads by id alone stay index probes', async () => {
    const plan = async (sql: string): Promise<string> => {
      const runner = db.ds.createQueryRunner();
      try {
        await runner.query('BEGIN');
        await runner.query('SET LOCAL enable_seqscan = off');
        const lines = await runner.query(`EXPLAIN ${sql}`);
        await runner.query('ROLLBACK');
        return (lines as Array<{ 'QUERY PLAN': string }>).map((l) => l['QUERY PLAN']).join('\n');
      } finally {
        await runner.release();
      }
    };
    expect(await plan(`SELECT * FROM faults WHERE id = 'flt_cus_move_a_1'`)).toMatch(/faults_id_idx/);
    expect(await plan(`SELECT * FROM vault_item WHERE id = 'vlt_cus_move_a_1'`)).toMatch(/idx_vault_item_id/);
    expect(await plan(`SELECT * FROM vault_item_version WHERE vault_id = 'vlt_cus_move_a_1' AND version <= 3`)).toMatch(/idx_vault_item_version_vault/);
    expect(await plan(`SELECT * FROM fault_silences WHERE customer_id = 'cus_move_a' AND id = 'sil_cus_move_a_1'`)).toMatch(/fault_silences_pkey/);
  });
});
