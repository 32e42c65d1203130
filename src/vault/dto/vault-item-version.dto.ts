import { ApiProperty } from '@nestjs/swagger';
import { toApiTimestamp } from '../../common/timestamps';
import { VersionInfo } from '../versions/vault-version.repository';

/** One kept version of a secret's value (the value itself is never returned). */
export class VaultItemVersionDto {
  @ApiProperty({ example: 3, minimum: 1 })
  version!: number;

  /** When this value was set. */
  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  /** Who set it (`user:<subject>`); null for values stored before versions were recorded. */
  @ApiProperty({ type: String, nullable: true, example: 'user:usr_42' })
  created_by!: string | null;

  /** True for the value resolve answers today. */
  @ApiProperty({ example: true })
  current!: boolean;
}

export function toVaultItemVersionDto(v: VersionInfo): VaultItemVersionDto {
  return { version: v.version, created_at: toApiTimestamp(v.createdAt), created_by: v.createdBy, current: v.current };
}
