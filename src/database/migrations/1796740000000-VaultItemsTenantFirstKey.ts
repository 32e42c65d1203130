import { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from '../concurrent-index';
import { TenantFirstReference, moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

const ITEM_REFERENCES: TenantFirstReference[] = [
  { table: 'vault_item_version', column: 'vault_id', from: 'fk_vault_item_version_item', to: 'fk_vault_item_version_customer_item', onDelete: 'CASCADE' },
];

/**
 * Tenant-first keys (docs/scaling.md): pk_vault_item (id) → (customer_id, id) and
 * pk_vault_item_version (vault_id, version) → (customer_id, vault_id, version), online. The one
 * foreign key into vault_item (vault_item_version → vault_item, ON DELETE CASCADE; a version holds
 * its item's customer_id, copied from it) becomes (customer_id, vault_id) → vault_item (customer_id, id):
 * added NOT VALID, validated, the old one dropped, then the keys swapped (moveToTenantFirstKey).
 *
 * Reads by id alone stay index probes through plain indexes built before the old keys go:
 * idx_vault_item_id (id) for the purge's `id IN (…)`, the expiry reminders' and the runner's probes by
 * id; idx_vault_item_version_vault (vault_id, version) for the key maintenance's walk across tenants in
 * (vault_id, version) order and its compare-and-set by (vault_id, version), and the pruning of kept
 * versions by vault_id. uq_vault_item_customer_name already leads with customer_id; the api-key hash
 * lookups stay global (CREDENTIAL_LOOKUPS). Rerunnable: a killed run is finished by the next one.
 */
export class VaultItemsTenantFirstKey1796740000000 implements MigrationInterface {
  name = 'VaultItemsTenantFirstKey1796740000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureIndexConcurrently(queryRunner, 'idx_vault_item_id', `"vault_item" ("id")`);
    await ensureIndexConcurrently(queryRunner, 'idx_vault_item_version_vault', `"vault_item_version" ("vault_id", "version")`);
    await moveToTenantFirstKey(queryRunner, 'vault_item', 'pk_vault_item', ['customer_id', 'id'], ITEM_REFERENCES);
    await moveToTenantFirstKey(queryRunner, 'vault_item_version', 'pk_vault_item_version', ['customer_id', 'vault_id', 'version']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveBackPrimaryKey(queryRunner, 'vault_item_version', 'pk_vault_item_version', ['vault_id', 'version']);
    await moveBackPrimaryKey(queryRunner, 'vault_item', 'pk_vault_item', ['id'], ITEM_REFERENCES);
    await queryRunner.query(`DROP INDEX "idx_vault_item_version_vault"`);
    await queryRunner.query(`DROP INDEX "idx_vault_item_id"`);
  }
}
