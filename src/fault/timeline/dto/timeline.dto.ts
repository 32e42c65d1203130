import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { PageLimit } from '../../../common/query-params';
import { toApiTimestamp } from '../../../common/timestamps';
import { TIMELINE_KINDS, type TimelineKind } from '../fault-timeline.entity';
import { TimelineRow } from '../fault-timeline.repository';

export class TimelineEntryDto {
  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  at!: string;

  @ApiProperty({ enum: TIMELINE_KINDS, example: 'created' })
  kind!: TimelineKind;

  /** The token's subject, or `system` for what the service did by itself. */
  @ApiProperty({ example: 'usr_alice' })
  actor!: string;

  /** `occurred`: `count`, `first_at`, `last_at`; `correlated`: `root_fault_id`; `escalated`: `step`; … */
  @ApiProperty({ type: 'object', additionalProperties: true, example: { severity: 'HIGH' } })
  details!: Record<string, unknown>;
}

export class TimelineMetaDto {
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: null })
  cursor!: string | null;
}

export class TimelineDto {
  @ApiProperty({ type: [TimelineEntryDto] })
  data!: TimelineEntryDto[];

  @ApiProperty({ type: TimelineMetaDto })
  meta!: TimelineMetaDto;
}

export class TimelineQueryDto {
  /** Entries per page, 1–100. */
  @PageLimit(50)
  limit?: number;

  /** `meta.cursor` of the previous page. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[0-9]{1,20}\.[0-9]{1,20}$/, { message: 'cursor is not a cursor of this timeline' })
  cursor?: string;
}

export function toTimelineEntryDto(row: TimelineRow): TimelineEntryDto {
  return { at: toApiTimestamp(row.at), kind: row.kind, actor: row.actor, details: row.details };
}
