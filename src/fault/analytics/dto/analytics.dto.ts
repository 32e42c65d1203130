import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { ListFaultsQueryDto } from '../../dto/fault-input.dto';

export const ANALYTICS_GROUPS = ['site', 'type', 'severity', 'resource_id', 'none'] as const;
export type AnalyticsGroup = (typeof ANALYTICS_GROUPS)[number];

export class FaultAnalyticsQueryDto extends OmitType(ListFaultsQueryDto, ['limit', 'cursor', 'from', 'to'] as const) {
  /** Faults created at or after (ISO 8601), e.g. `2026-09-01T00:00:00Z`. Required; at most 92 days before `to`. */
  @ApiProperty({ format: 'date-time', example: '2026-09-01T00:00:00Z' })
  @IsISO8601({ strict: true })
  from!: string;

  /** Faults created before (ISO 8601), e.g. `2026-12-01T00:00:00Z`. Required. */
  @ApiProperty({ format: 'date-time', example: '2026-12-01T00:00:00Z' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ enum: ANALYTICS_GROUPS, description: 'Default `none`: one group of every fault' })
  @IsOptional()
  @IsIn(ANALYTICS_GROUPS)
  group_by?: AnalyticsGroup;
}

export class DurationStatsDto {
  @ApiProperty({ example: 842.5 })
  mean!: number;

  @ApiProperty({ example: 600 })
  p50!: number;

  @ApiProperty({ example: 1800 })
  p90!: number;
}

export class AnalyticsGroupDto {
  /** The group's value (the site, type, severity or resource); null for faults without one (and for `group_by=none`). */
  @ApiProperty({ type: String, nullable: true, example: 'site_8a7b6c5d4e3f2g1h' })
  key!: string | null;

  @ApiProperty({ example: 120 })
  faults!: number;

  @ApiProperty({ example: 110 })
  resolved!: number;

  @ApiProperty({ example: 60 })
  acknowledged!: number;

  /** Faults reopened by a report at least once. */
  @ApiProperty({ example: 7 })
  reopened!: number;

  /** Faults flapping now. */
  @ApiProperty({ example: 1 })
  flapping!: number;

  /** Seconds from created_at to acknowledged_at over acknowledged faults; null when none was. */
  @ApiProperty({ type: DurationStatsDto, nullable: true })
  mtta_seconds!: DurationStatsDto | null;

  /** Seconds from created_at to resolved_at over resolved faults; null when none was. */
  @ApiProperty({ type: DurationStatsDto, nullable: true })
  mttr_seconds!: DurationStatsDto | null;
}

export class FaultAnalyticsDto {
  @ApiProperty({ example: '2026-09-01T00:00:00.000000Z' })
  from!: string;

  @ApiProperty({ example: '2026-12-01T00:00:00.000000Z' })
  to!: string;

  @ApiProperty({ enum: ANALYTICS_GROUPS, example: 'site' })
  group_by!: AnalyticsGroup;

  /** The 100 largest groups by `faults`. */
  @ApiProperty({ type: [AnalyticsGroupDto] })
  groups!: AnalyticsGroupDto[];
}
