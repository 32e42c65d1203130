import { ApiProperty } from '@nestjs/swagger';
import { toApiTimestamp, toApiTimestampOrNull } from '../../common/timestamps';
import { FaultCommentEntity } from '../entities/fault-comment.entity';
import { FAULT_SEVERITIES, FAULT_STATUSES, FaultEntity, type FaultSeverity, type FaultStatus } from '../entities/fault.entity';

export class FaultCommentDto {
  /** The token subject that wrote it. */
  @ApiProperty({ example: 'usr_7f3a' })
  user_id!: string;

  @ApiProperty({ example: 'ISP confirmed an outage in the area.' })
  comment!: string;

  @ApiProperty({ example: '2025-10-21T12:05:00.000000Z' })
  created_at!: string;
}

export class FaultDto {
  @ApiProperty({ example: 'flt_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb' })
  id!: string;

  @ApiProperty({ example: 'dev_2j4k2l2j3k4l2j3k4' })
  resource_id!: string;

  @ApiProperty({ example: 'cus_1i2j3k4l5m6n7o8p' })
  customer_id!: string;

  @ApiProperty({ example: 'wantunnel-monitor' })
  microservice_id!: string;

  @ApiProperty({ example: 'wantunnel' })
  type!: string;

  @ApiProperty({ enum: FAULT_STATUSES })
  status!: FaultStatus;

  @ApiProperty({ enum: FAULT_SEVERITIES })
  severity!: FaultSeverity;

  @ApiProperty({ example: "WAN tunnel 'Primary link (WAN1)' is down" })
  message!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Upstream ISP outage' })
  cause!: string | null;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  resolved_at!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'site_8a7b6c5d4e3f2g1h|dev_2j4k2l2j3k4l2j3k4' })
  resource_ancestry_path!: string | null;

  /** Unix seconds after which the fault is purged. */
  @ApiProperty({ example: 1797422400 })
  ttl!: number;

  /** Oldest first. */
  @ApiProperty({ type: [FaultCommentDto] })
  comments!: FaultCommentDto[];
}

export function toFaultCommentDto(comment: FaultCommentEntity): FaultCommentDto {
  return { user_id: comment.userId, comment: comment.comment, created_at: toApiTimestamp(comment.createdAt) };
}

/** The one way a fault leaves the service: fields listed, never spread. */
export function toFaultDto(fault: FaultEntity, comments: FaultCommentEntity[]): FaultDto {
  return {
    id: fault.id,
    resource_id: fault.resourceId,
    customer_id: fault.customerId,
    microservice_id: fault.microserviceId,
    type: fault.type,
    status: fault.status,
    severity: fault.severity,
    message: fault.message,
    cause: fault.cause,
    created_at: toApiTimestamp(fault.createdAt),
    resolved_at: toApiTimestampOrNull(fault.resolvedAt),
    resource_ancestry_path: fault.resourceAncestryPath,
    ttl: fault.ttl,
    comments: comments.map(toFaultCommentDto),
  };
}

export class FaultListMetaDto {
  /** Items in this page. */
  @ApiProperty({ example: 50 })
  count!: number;

  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  cursor!: string | null;

  @ApiProperty({ example: true })
  has_more!: boolean;
}

export class FaultListDto {
  @ApiProperty({ type: [FaultDto] })
  data!: FaultDto[];

  @ApiProperty({ type: FaultListMetaDto })
  meta!: FaultListMetaDto;
}
