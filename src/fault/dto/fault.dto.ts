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

  @ApiProperty({ example: 'cus_demo' })
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

  /** The reporter's key for "the same problem" (null: every report is its own fault). */
  @ApiProperty({ type: String, nullable: true, example: 'wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1' })
  dedup_key!: string | null;

  /** Reports merged into this fault, the first included. */
  @ApiProperty({ minimum: 1, example: 1 })
  occurrences!: number;

  /** The latest report (created_at until the fault repeats). */
  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  last_occurred_at!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  acknowledged_at!: string | null;

  /** Who acknowledged it (token subject). */
  @ApiProperty({ type: String, nullable: true, example: null })
  acknowledged_by!: string | null;

  /** Reported while a silence matched it: listed as usual, but announced to no one. */
  @ApiProperty({ example: false })
  silenced!: boolean;

  /** The fault on the nearest ancestor of this resource that was open when this one was reported (this one is its symptom); null for a root. */
  @ApiProperty({ type: String, nullable: true, example: null })
  root_fault_id!: string | null;

  /** Faults whose root this one is. */
  @ApiProperty({ minimum: 0, example: 0 })
  symptom_count!: number;

  /** Reopened FAULT_FLAP_THRESHOLD times within FAULT_FLAP_WINDOW_SECONDS: its resolves, reopens and repeats are not sent to webhooks. */
  @ApiProperty({ example: false })
  flapping!: boolean;

  @ApiProperty({ type: String, nullable: true, example: null })
  flapping_since!: string | null;
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
    dedup_key: fault.dedupKey,
    occurrences: fault.occurrences,
    last_occurred_at: toApiTimestamp(fault.lastOccurredAt ?? fault.createdAt),
    acknowledged_at: toApiTimestampOrNull(fault.acknowledgedAt),
    acknowledged_by: fault.acknowledgedBy,
    silenced: fault.silenced,
    root_fault_id: fault.rootFaultId ?? null,
    symptom_count: fault.symptomCount ?? 0,
    flapping: fault.flapping ?? false,
    flapping_since: toApiTimestampOrNull(fault.flappingSince),
  };
}

export class FaultListMetaDto {
  /** Items in this page. */
  @ApiProperty({ example: 50 })
  count!: number;

  /** Pass as `cursor` for the next page (with the same filters); null on the last page. Opaque. */
  @ApiProperty({
    type: String,
    nullable: true,
    example:
      'eyJ2IjoxLCJ0IjoiMTc5NTU4NzU2NjE1MTAwMCIsImkiOiJmbHRfM01hVEVRM3Jzb0Rod05JZGY2WWd6YWZxZDZHIiwiZiI6IlQxUE5vWXdycWd3RFZMdGZtajdMNWUifQ.kxI5_TYPJ37zbGDuJKO-zvwvDNCrixd-IJ2nyKyJQLo',
  })
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

export class ResolveFaultsResultDto {
  /** Faults this call resolved (0 when none was unresolved: resolving is idempotent). */
  @ApiProperty({ example: 1 })
  resolved!: number;

  /** The faults it resolved, newest first. */
  @ApiProperty({ type: [FaultDto] })
  data!: FaultDto[];
}

export class BulkFaultResultDto {
  /** Faults this call changed (found faults already in that state are not counted). */
  @ApiProperty({ example: 2 })
  updated!: number;

  /** Ids that are not faults of your tenant. */
  @ApiProperty({ type: [String], example: [] })
  not_found!: string[];
}
