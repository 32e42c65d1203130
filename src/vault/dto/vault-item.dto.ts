import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { toApiTimestamp, toApiTimestampOrNull } from '../../common/timestamps';
import { VaultItemKind, VaultItemMetadata } from '../entities/vault-item.entity';
import { EXAMPLE_EXPIRES_AT } from './vault-examples';

/** A vault item's metadata. The secret itself is never returned. */
export class VaultItemDto {
  @ApiProperty({ example: 'vlt_01jb8rmyz3k9e3b1q6x2v4n7tc' })
  id!: string;

  /** 3–50 characters, unique per tenant; workflows refer to it as `{{ vault.<name> }}`. */
  @ApiProperty({ example: 'mikrotik-backup-password' })
  name!: string;

  /** `api_key` when the name starts with `api-key:`. */
  @ApiProperty({ enum: ['secret', 'api_key'], example: 'secret' })
  kind!: VaultItemKind;

  /** The current version: 1 at creation, +1 for every new value (replace, restore of a version, key rotation). */
  @ApiProperty({ example: 1, minimum: 1 })
  version!: number;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  updated_at!: string;

  /** After it, the item can no longer be used. */
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_EXPIRES_AT })
  expires_at!: string | null;

  /** When a workflow last resolved the secret or verified the API key. */
  @ApiProperty({ type: String, nullable: true, example: null })
  last_used_at!: string | null;
}

/** The created item; for a workflow API key, the generated key — shown this once only. */
export class CreatedVaultItemDto extends VaultItemDto {
  @ApiPropertyOptional({ example: 'wfk_4Vd1Jp0o3sV0wq6Yb8G2kM7rT9xZ5nQ1cH3eL6aF8uB_1a2B3c' })
  api_key?: string;
}

/** A soft-deleted item (`GET /workflows/vault?deleted=true`): restorable until `purge_at`. */
export class DeletedVaultItemDto extends VaultItemDto {
  @ApiProperty({ example: '2099-01-01T12:00:00.000000Z' })
  deleted_at!: string;

  /** After it the item is purged for good; until then `POST /workflows/vault/{vaultId}/restore` brings it back. */
  @ApiProperty({ example: '2099-01-31T12:00:00.000000Z' })
  purge_at!: string;
}

/** How a field of VaultItemDto is written: as stored, or as an API timestamp (toApiTimestamp, null stays null). */
export type VaultItemFieldFormat = 'value' | 'timestamp';

/**
 * VaultItemDto's fields in response order, each named as its column: the one definition of the
 * item's JSON, followed by toVaultItemDto and by the list the database serializes
 * (VAULT_METADATA_SQL.listJson). The mapped type makes a field added to the DTO a compile error here.
 */
export const VAULT_ITEM_FIELDS: { readonly [K in keyof Required<VaultItemDto>]: VaultItemFieldFormat } = {
  id: 'value',
  name: 'value',
  kind: 'value',
  version: 'value',
  created_at: 'timestamp',
  updated_at: 'timestamp',
  expires_at: 'timestamp',
  last_used_at: 'timestamp',
};

/** Whitelists the fields a client may see: never the sealed value, wrapped key or key hash. */
export function toVaultItemDto(item: VaultItemMetadata): VaultItemDto {
  return {
    id: item.id,
    name: item.name,
    kind: item.kind,
    version: item.version,
    created_at: toApiTimestamp(item.createdAt),
    updated_at: toApiTimestamp(item.updatedAt),
    expires_at: toApiTimestampOrNull(item.expiresAt),
    last_used_at: toApiTimestampOrNull(item.lastUsedAt),
  };
}

export function toDeletedVaultItemDto(item: VaultItemMetadata): DeletedVaultItemDto {
  return { ...toVaultItemDto(item), deleted_at: toApiTimestamp(item.deletedAt!), purge_at: toApiTimestamp(item.purgeAt!) };
}
