import { MigrationInterface, QueryRunner } from 'typeorm';
import { moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

/**
 * Tenant-first keys (docs/scaling.md): fault_comments_pkey (id) → (customer_id, id). No query reads a
 * comment by id: they go by tenant and fault (fault_comments_fault_created_idx). fault_comments has a
 * foreign key to faults (unchanged), none references it. Built CONCURRENTLY and swapped in; rerunnable.
 */
export class FaultCommentsTenantFirstKey1796680000000 implements MigrationInterface {
  name = 'FaultCommentsTenantFirstKey1796680000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await moveToTenantFirstKey(queryRunner, 'fault_comments', 'fault_comments_pkey', ['customer_id', 'id']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveBackPrimaryKey(queryRunner, 'fault_comments', 'fault_comments_pkey', ['id']);
  }
}
