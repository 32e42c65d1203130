import { ApiProperty } from '@nestjs/swagger';
import { toApiTimestamp } from '../../common/timestamps';
import { VAULT_ACTIONS, VAULT_OUTCOMES, VaultAction, VaultEvent, VaultOutcome } from '../entities/vault-event.entity';

/** One audit record. Never contains a value. */
export class VaultEventDto {
  @ApiProperty({ example: 'vev_1042' })
  id!: string;

  @ApiProperty({ enum: VAULT_ACTIONS })
  action!: VaultAction;

  @ApiProperty({ enum: VAULT_OUTCOMES })
  outcome!: VaultOutcome;

  /** The item, when one matched (kept after the item is deleted). */
  @ApiProperty({ type: String, nullable: true, example: 'vlt_01jb8rmyz3k9e3b1q6x2v4n7tc' })
  vault_id!: string | null;

  /** `user:<subject>` or `service:<subject>`. */
  @ApiProperty({ example: 'service:workflow-runner' })
  actor!: string;

  /** The item's name at the time. */
  @ApiProperty({ type: String, nullable: true, example: 'mikrotik-backup-password' })
  item_name!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0b7c1a52-7a8e-4d0b-9d8e-3f2b9c1e5a10' })
  request_id!: string | null;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;
}

export class VaultEventPageDto {
  /** Newest first. */
  @ApiProperty({ type: [VaultEventDto] })
  data!: VaultEventDto[];

  /** Pass as `cursor` for the next (older) page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: 'MTA0Mg' })
  next_cursor!: string | null;
}

export function toVaultEventDto(event: VaultEvent): VaultEventDto {
  return {
    id: `vev_${event.id}`,
    action: event.action,
    outcome: event.outcome,
    vault_id: event.vaultId,
    actor: event.actor,
    item_name: event.itemName,
    request_id: event.requestId,
    created_at: toApiTimestamp(event.createdAt),
  };
}
