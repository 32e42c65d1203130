import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One stored proof per key-encryption key: a random data key wrapped under it.
 * At start the service unwraps it; a key that does not open its own check
 * value is the wrong key, and the service refuses readiness instead of
 * writing data nobody can read later.
 */
@Entity({ name: 'kms_key_check' })
export class KmsKeyCheck {
  @PrimaryColumn({ type: 'varchar', length: 16, primaryKeyConstraintName: 'pk_kms_key_check' })
  provider!: string;

  @PrimaryColumn({ type: 'varchar', length: 256, primaryKeyConstraintName: 'pk_kms_key_check' })
  keyId!: string;

  @Column({ type: 'varchar', length: 128 })
  keyVersion!: string;

  @Column({ type: 'bytea' })
  wrappedKey!: Buffer;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

export const KMS_ENTITIES = [KmsKeyCheck];
