import { MigrationInterface, QueryRunner } from 'typeorm';
import { isPartitioned, moveOntoPartitions, moveOffPartitions } from '../partitions/move-onto-partitions';

/** The empty string: never a tenant id (every source of one — token, resolve body, offboarding — has at least one character). */
const NO_TENANT = `''`;
const BACKFILL_BATCH = 5000;

/**
 * The vault audit trail (`vault_event`) moves onto monthly partitions by `created_at`, online (see
 * moveOntoPartitions: mirror trigger, batched resumable copy, one short swap), with a tenant-first
 * key `(customer_id, id, created_at)`.
 *
 * Month, not day: the trail is kept for good unless VAULT_AUDIT_RETENTION_DAYS is set (audit
 * retention is counted in months or years, not hours like the outbox), and the tenant's trail is
 * read newest first by id (`customer_id = $1 ORDER BY id DESC`), which no `created_at` bound prunes:
 * every read descends each partition's key once, so the partitions must stay few (12 a year, not
 * 365). A month is dropped once wholly past the retention, so a record lives between the retention
 * and the retention plus one month.
 *
 * The key: `customer_id` leads, `id` keeps each row's identity (and the keyset order of every read,
 * which the key now serves: the old `(customer_id, id)` index is not rebuilt), `created_at` is the
 * partition key. `customer_id` was null on records of no known tenant (an API-key verification that
 * matched nothing, or a malformed key); a key column cannot be null, so those records carry the
 * empty string (NO_TENANT in vault-event.entity.ts). No tenant id is empty, so no tenant reads,
 * exports or offboards them, exactly as with null: every tenant's trail and export is unchanged.
 * They are not written to the trails of the tenants a scoped service token may see: that would add
 * records to real tenants' trails (and an unscoped token has none).
 *
 * Before the move a BEFORE trigger (`vault_event_no_tenant`) turns a null tenant into the empty
 * string, so writes by instances of the previous release (which write null) are mirrored and
 * copied instead of failing the twin's key; the remaining nulls are then updated in batches. The
 * partitioned table keeps the trigger, for those instances until they are replaced.
 *
 * Outside a transaction: every batch commits on its own, so a killed run resumes.
 */
export class PartitionVaultAudit1796710000000 implements MigrationInterface {
  name = 'PartitionVaultAudit1796710000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    if (await isPartitioned(queryRunner, 'vault_event')) return;
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "vault_event_no_tenant"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.customer_id := COALESCE(NEW.customer_id, ${NO_TENANT});
        RETURN NEW;
      END $fn$`);
    const noTenantTrigger = `CREATE OR REPLACE TRIGGER "vault_event_no_tenant" BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION "vault_event_no_tenant"()`;
    // Under a short lock that waits for the writes in flight: every later write gets a tenant, every earlier one is updated below.
    await queryRunner.query('BEGIN');
    try {
      await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
      await queryRunner.query(noTenantTrigger.replace('{table}', '"vault_event"'));
      await queryRunner.query('COMMIT');
    } catch (error) {
      await queryRunner.query('ROLLBACK');
      throw error;
    }
    await queryRunner.query(`SET statement_timeout = 0`);
    for (;;) {
      // Found through idx_vault_event_customer_id (nulls are in a b-tree); each batch commits on its own.
      const [, updated] = (await queryRunner.query(
        `UPDATE "vault_event" SET customer_id = ${NO_TENANT} WHERE id IN (SELECT id FROM "vault_event" WHERE customer_id IS NULL LIMIT ${BACKFILL_BATCH} FOR UPDATE SKIP LOCKED)`,
      )) as [unknown, number];
      if (updated < BACKFILL_BATCH) break;
    }
    await moveOntoPartitions(queryRunner, {
      table: 'vault_event',
      column: 'created_at',
      interval: 'month',
      ahead: 2,
      key: ['id'],
      primaryKey: { name: 'pk_vault_event', columns: ['customer_id', 'id', 'created_at'] },
      indexes: [
        {
          name: 'idx_vault_event_customer_vault',
          definition: `CREATE INDEX IF NOT EXISTS "idx_vault_event_customer_vault" ON {table} ("customer_id", "vault_id", "id")`,
        },
      ],
      triggers: [noTenantTrigger],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveOffPartitions(queryRunner, 'vault_event', [
      `ALTER TABLE "vault_event" ALTER COLUMN "customer_id" DROP NOT NULL`,
      `UPDATE "vault_event" SET customer_id = NULL WHERE customer_id = ${NO_TENANT}`,
      `ALTER TABLE "vault_event" ADD CONSTRAINT "pk_vault_event" PRIMARY KEY ("id")`,
      `CREATE INDEX "idx_vault_event_customer_vault" ON "vault_event" ("customer_id", "vault_id", "id")`,
      `CREATE INDEX "idx_vault_event_customer_id" ON "vault_event" ("customer_id", "id")`,
    ]);
    // The trigger went with the partitioned table; its function goes here.
    await queryRunner.query(`DROP FUNCTION IF EXISTS "vault_event_no_tenant"()`);
  }
}
