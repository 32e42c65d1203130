import { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from '../concurrent-index';
import { moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

/**
 * Tenant-first keys (docs/scaling.md): pk_webhooks (id) → (customer_id, id). The new key serves the
 * tenant's reads as idx_webhooks_customer_id (customer_id, id) did, so that index goes; a plain
 * idx_webhooks_id (id) takes its place for the two reads across tenants: the secret rewrap's keyset
 * walk and a delivery lane job queued before jobs carried the tenant. No foreign key references webhooks.
 * Built CONCURRENTLY and swapped in; a rerun after a kill drops an INVALID leftover first.
 */
export class WebhooksTenantFirstKey1796650000000 implements MigrationInterface {
  name = 'WebhooksTenantFirstKey1796650000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureIndexConcurrently(queryRunner, 'idx_webhooks_id', `"webhooks" ("id")`);
    await moveToTenantFirstKey(queryRunner, 'webhooks', 'pk_webhooks', ['customer_id', 'id']);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "idx_webhooks_customer_id"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "idx_webhooks_customer_id" ON "webhooks" ("customer_id", "id")`);
    await moveBackPrimaryKey(queryRunner, 'webhooks', 'pk_webhooks', ['id']);
    await queryRunner.query(`DROP INDEX "idx_webhooks_id"`);
  }
}
