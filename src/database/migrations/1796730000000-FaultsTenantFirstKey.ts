import { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureIndexConcurrently } from '../concurrent-index';
import { TenantFirstReference, moveBackPrimaryKey, moveToTenantFirstKey } from '../tenant-first-key';

const FAULT_REFERENCES: TenantFirstReference[] = [
  { table: 'fault_comments', column: 'fault_id', from: 'fault_comments_fault_fk', to: 'fault_comments_customer_fault_fk', onDelete: 'CASCADE' },
  { table: 'fault_path_segments', column: 'fault_id', from: 'fault_path_segments_fault_fk', to: 'fault_path_segments_customer_fault_fk', onDelete: 'CASCADE' },
];
const SILENCE_REFERENCES: TenantFirstReference[] = [
  { table: 'fault_silence_windows', column: 'silence_id', from: 'fault_silence_windows_silence_fk', to: 'fault_silence_windows_customer_silence_fk', onDelete: 'CASCADE' },
];

/**
 * Tenant-first keys (docs/scaling.md): faults_pkey (id) → (customer_id, id) and fault_silences_pkey
 * (id) → (customer_id, id), online. The foreign keys into them (fault_comments and fault_path_segments
 * → faults, fault_silence_windows → fault_silences; each of those tables holds its parent's
 * customer_id) become composite, (customer_id, fault_id) → faults (customer_id, id), with the same
 * ON DELETE CASCADE: added NOT VALID, validated, the old ones dropped, then the keys swapped
 * (moveToTenantFirstKey). The cascades read the children by (customer_id, parent id): the children's
 * keys and fault_comments_fault_created_idx serve them.
 *
 * Reads of faults by id alone stay index probes through a plain faults_id_idx (id), built before the
 * old key goes: the purge's and the flapping sweep's `id IN (…)` across tenants, the correlation
 * function's probes by id (CorrelationCandidatesByKey), the timeline's ttl lookup (PartitionTimeline…).
 * fault_silences is read by id only with its tenant (the report's join from a window gives both).
 * `faults_open_dedup_key_idx` already leads with customer_id. No foreign key references itself
 * (root_fault_id is a plain column). Rerunnable: a killed run is finished by the next one.
 */
export class FaultsTenantFirstKey1796730000000 implements MigrationInterface {
  name = 'FaultsTenantFirstKey1796730000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureIndexConcurrently(queryRunner, 'faults_id_idx', `"faults" ("id")`);
    await moveToTenantFirstKey(queryRunner, 'faults', 'faults_pkey', ['customer_id', 'id'], FAULT_REFERENCES);
    await moveToTenantFirstKey(queryRunner, 'fault_silences', 'fault_silences_pkey', ['customer_id', 'id'], SILENCE_REFERENCES);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveBackPrimaryKey(queryRunner, 'fault_silences', 'fault_silences_pkey', ['id'], SILENCE_REFERENCES);
    await moveBackPrimaryKey(queryRunner, 'faults', 'faults_pkey', ['id'], FAULT_REFERENCES);
    await queryRunner.query(`DROP INDEX "faults_id_idx"`);
  }
}
