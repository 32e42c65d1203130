import { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from '../concurrent-index';
import { moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

/**
 * Tenant-first keys (docs/scaling.md): pk_tenant_offboarding (id) → (customer_id, id). The deletion
 * runs and markDone address an offboarding by tenant and id; a plain idx_tenant_offboarding_id (id)
 * serves the one read across tenants, the refused-tenant set's walk by id (offboardedAfter).
 * No foreign key references tenant_offboarding. Built CONCURRENTLY and swapped in; rerunnable.
 */
export class TenantOffboardingTenantFirstKey1796660000000 implements MigrationInterface {
  name = 'TenantOffboardingTenantFirstKey1796660000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureIndexConcurrently(queryRunner, 'idx_tenant_offboarding_id', `"tenant_offboarding" ("id")`);
    await moveToTenantFirstKey(queryRunner, 'tenant_offboarding', 'pk_tenant_offboarding', ['customer_id', 'id']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveBackPrimaryKey(queryRunner, 'tenant_offboarding', 'pk_tenant_offboarding', ['id']);
    await queryRunner.query(`DROP INDEX "idx_tenant_offboarding_id"`);
  }
}
