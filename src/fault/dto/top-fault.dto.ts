import { ApiProperty } from '@nestjs/swagger';
import { toApiTimestamp, toApiTimestampOrNull } from '../../common/timestamps';
import { siteOf } from '../ancestry-path';
import { humanizeDuration } from '../duration';
import { FAULT_SEVERITIES, FaultEntity, type FaultSeverity } from '../entities/fault.entity';
import { extractTunnelName } from '../tunnel-name';

export class TopFaultSampleDto {
  @ApiProperty({ example: 'flt_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb' })
  id!: string;

  @ApiProperty()
  message!: string;

  @ApiProperty({ type: String, nullable: true })
  resolved_at!: string | null;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  /** How long the fault lasted (until resolved, or until now while unresolved), e.g. `2 hours, 15 minutes`. */
  @ApiProperty({ example: '2 hours, 15 minutes' })
  duration!: string;

  @ApiProperty({ enum: FAULT_SEVERITIES })
  severity!: FaultSeverity;

  @ApiProperty({ example: 'wantunnel' })
  type!: string;

  @ApiProperty({ type: String, nullable: true })
  cause!: string | null;

  /** First `site_` segment of the fault's ancestry path. */
  @ApiProperty({ type: String, nullable: true, example: 'site_8a7b6c5d4e3f2g1h' })
  site_id!: string | null;

  /** The resource the fault is about. */
  @ApiProperty({ example: 'dev_2j4k2l2j3k4l2j3k4' })
  resource_identifier!: string;
}

export class TopFaultDto {
  /** Display name of the link, from a fault message that names one. */
  @ApiProperty({ type: String, nullable: true, example: 'Primary link (WAN1)' })
  tunnel_name!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'site_8a7b6c5d4e3f2g1h' })
  site_id!: string | null;

  /** Faults of this resource in the last 14 days. */
  @ApiProperty({ example: 12 })
  count!: number;

  @ApiProperty({ example: 'dev_2j4k2l2j3k4l2j3k4' })
  resource_id!: string;

  /** The resource's most recent faults (up to 5), newest first. */
  @ApiProperty({ type: [TopFaultSampleDto] })
  faults!: TopFaultSampleDto[];
}

/** One resource's faults in the window, most recent first, as the repository groups them. */
export interface TopFaultGroup {
  resourceId: string;
  count: number;
  faults: FaultEntity[];
}

/** `duration` runs until the fault was resolved, or until `now` while it is not. */
export function toTopFaultDto(group: TopFaultGroup, now: Date): TopFaultDto {
  return {
    tunnel_name: group.faults.map((f) => extractTunnelName(f.message)).find((name) => name !== null) ?? null,
    site_id: group.faults.map((f) => siteOf(f.resourceAncestryPath)).find((site) => site !== null) ?? null,
    count: group.count,
    resource_id: group.resourceId,
    faults: group.faults.map((f) => ({
      id: f.id,
      message: f.message,
      resolved_at: toApiTimestampOrNull(f.resolvedAt),
      created_at: toApiTimestamp(f.createdAt),
      duration: humanizeDuration((f.resolvedAt ?? now).getTime() - f.createdAt.getTime()),
      severity: f.severity,
      type: f.type,
      cause: f.cause,
      site_id: siteOf(f.resourceAncestryPath),
      resource_identifier: f.resourceId,
    })),
  };
}
