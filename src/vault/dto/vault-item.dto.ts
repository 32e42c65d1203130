import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { toApiTimestamp, toApiTimestampOrNull } from '../../common/timestamps';
import { VaultItemKind, VaultItemMetadata } from '../entities/vault-item.entity';

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

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  updated_at!: string;

  /** After it, the item can no longer be used. */
  @ApiProperty({ type: String, nullable: true, example: '2026-10-21T12:00:00.000000Z' })
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

/** Whitelists the fields a client may see: never the sealed value, wrapped key or key hash. */
export function toVaultItemDto(item: VaultItemMetadata): VaultItemDto {
  return {
    id: item.id,
    name: item.name,
    kind: item.kind,
    created_at: toApiTimestamp(item.createdAt),
    updated_at: toApiTimestamp(item.updatedAt),
    expires_at: toApiTimestampOrNull(item.expiresAt),
    last_used_at: toApiTimestampOrNull(item.lastUsedAt),
  };
}
