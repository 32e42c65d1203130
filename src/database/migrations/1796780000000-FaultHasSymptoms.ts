import { MigrationInterface, QueryRunner } from 'typeorm';
import { inShortLockTransaction } from '../short-lock';

/**
 * Marks every fault that is, or was, some fault's root: set in the transaction of the change that
 * gives a fault its root (a report under an open ancestor, an adoption, a reopen, whatever statement
 * did it), never cleared (a root whose symptoms are gone counts 0 as before). The row is updated only
 * the first time (`NOT has_symptoms`), so later adoptions under the same root take no row lock on it.
 * The root's ttl is not known here, so the update looks in every partition, once per new root-symptom
 * pair: about 0.3 ms each at 1 M faults on 15 partitions (400 root changes in a loop, trigger on and
 * off, under load), on a report that finds a root or adopts, which already pays as much for setting
 * root_fault_id; a report without one fires nothing (the WHEN clauses).
 */
const MARK_ROOT_FUNCTION = `CREATE OR REPLACE FUNCTION "faults__mark_root"() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    UPDATE faults SET has_symptoms = true WHERE customer_id = NEW.customer_id AND id = NEW.root_fault_id AND NOT has_symptoms;
    RETURN NULL;
  END $fn$`;

const MARK_ROOT_TRIGGERS = [
  `CREATE OR REPLACE TRIGGER "faults_mark_root_insert" AFTER INSERT ON "faults" FOR EACH ROW WHEN (NEW.root_fault_id IS NOT NULL) EXECUTE FUNCTION "faults__mark_root"()`,
  `CREATE OR REPLACE TRIGGER "faults_mark_root_update" AFTER UPDATE OF root_fault_id ON "faults" FOR EACH ROW
     WHEN (NEW.root_fault_id IS NOT NULL AND NEW.root_fault_id IS DISTINCT FROM OLD.root_fault_id) EXECUTE FUNCTION "faults__mark_root"()`,
];

/**
 * symptom_count was a probe of the partial root index in every partition of `faults` for every row a
 * read returns (51 rows × 15 partitions: 1,530 of a first page's 1,646 buffer reads at 1 M faults),
 * though almost no fault has symptoms. `has_symptoms` says which may: the count runs only for those
 * (fault-columns.ts), every other row answers 0 without a probe.
 *
 * Online: the column has a constant default (no rewrite, a brief lock taken with a short lock
 * timeout and retried); the triggers come before the backfill, so a root made meanwhile is marked by
 * its trigger and one made before by the backfill, which touches only the existing roots. Rerunnable.
 */
export class FaultHasSymptoms1796780000000 implements MigrationInterface {
  name = 'FaultHasSymptoms1796780000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(MARK_ROOT_FUNCTION);
    await inShortLockTransaction(queryRunner, { lockTimeout: '3s', attempts: 12, pauseMs: 1000 }, async () => {
      await queryRunner.query(`ALTER TABLE "faults" ADD COLUMN IF NOT EXISTS "has_symptoms" boolean NOT NULL DEFAULT false`);
      for (const trigger of MARK_ROOT_TRIGGERS) await queryRunner.query(trigger);
    });
    await queryRunner.query(
      `UPDATE faults f SET has_symptoms = true
       FROM (SELECT DISTINCT customer_id, root_fault_id FROM faults WHERE root_fault_id IS NOT NULL) r
       WHERE f.customer_id = r.customer_id AND f.id = r.root_fault_id AND NOT f.has_symptoms`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['insert', 'update']) await queryRunner.query(`DROP TRIGGER IF EXISTS "faults_mark_root_${name}" ON "faults"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "faults__mark_root"()`);
    await queryRunner.query(`ALTER TABLE "faults" DROP COLUMN IF EXISTS "has_symptoms"`);
  }
}
