import { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from '../concurrent-index';
import { moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

/**
 * Tenant-first keys (docs/scaling.md): fault_path_segments_pkey (fault_id, segment) →
 * (customer_id, fault_id, segment). The reads all give the tenant (the list's and correlation's
 * ranges of fault_path_segments_lookup_idx, analytics' probe by tenant, fault and segment), but the
 * foreign key to faults deletes a fault's segments by fault_id alone (ON DELETE CASCADE, from the
 * purge and report rollback): the old key served that, a plain fault_path_segments_fault_idx
 * (fault_id) does now. No foreign key references fault_path_segments. Built CONCURRENTLY and swapped
 * in; rerunnable.
 */
export class FaultPathSegmentsTenantFirstKey1796690000000 implements MigrationInterface {
  name = 'FaultPathSegmentsTenantFirstKey1796690000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureIndexConcurrently(queryRunner, 'fault_path_segments_fault_idx', `"fault_path_segments" ("fault_id")`);
    await moveToTenantFirstKey(queryRunner, 'fault_path_segments', 'fault_path_segments_pkey', ['customer_id', 'fault_id', 'segment']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveBackPrimaryKey(queryRunner, 'fault_path_segments', 'fault_path_segments_pkey', ['fault_id', 'segment']);
    await queryRunner.query(`DROP INDEX "fault_path_segments_fault_idx"`);
  }
}
