import { MigrationInterface, QueryRunner } from 'typeorm';
import { moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

/**
 * Tenant-first keys (docs/scaling.md): fault_access_tokens_pkey (id) → (customer_id, id). Every read
 * by id knows the tenant (the verified token's customer_id claim, the row being revoked); the lookups
 * across tenants go by fault_access_tokens_code_hash_key / _token_hash_key (credential hashes, global
 * by design) or expires_at. No foreign key references fault_access_tokens. Built CONCURRENTLY and
 * swapped in; rerunnable.
 */
export class FaultAccessTokensTenantFirstKey1796670000000 implements MigrationInterface {
  name = 'FaultAccessTokensTenantFirstKey1796670000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await moveToTenantFirstKey(queryRunner, 'fault_access_tokens', 'fault_access_tokens_pkey', ['customer_id', 'id']);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveBackPrimaryKey(queryRunner, 'fault_access_tokens', 'fault_access_tokens_pkey', ['id']);
  }
}
