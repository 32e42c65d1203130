import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A dashboard token this service minted. Neither the token nor its short code
 * is stored: only their SHA-256, so a database read does not hand out access.
 * The claims are kept so the (deterministic) token can be re-signed for a redirect.
 */
@Entity({ name: 'fault_access_tokens' })
@Index('fault_access_tokens_token_hash_key', ['tokenHash'], { unique: true })
@Index('fault_access_tokens_code_hash_key', ['codeHash'], { unique: true })
@Index('fault_access_tokens_expires_idx', ['expiresAt'])
export class FaultAccessTokenEntity {
  /** Tenant first in the key (docs/scaling.md); the lookups across tenants go by the hashes. */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_access_tokens_pkey' })
  customerId!: string;

  /** The token's `jti`. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'fault_access_tokens_pkey' })
  id!: string;

  /** The user who minted it (the token's `sub`). */
  @Column({ type: 'varchar', length: 256 })
  issuedBy!: string;

  @Column({ type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ type: 'char', length: 64 })
  codeHash!: string;

  /** The signing key's id (`kid`) at mint time. */
  @Column({ type: 'varchar', length: 64 })
  keyId!: string;

  @Column({ type: 'timestamptz' })
  issuedAt!: Date;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
