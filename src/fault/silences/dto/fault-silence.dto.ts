import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { PageLimit } from '../../../common/query-params';
import { toApiTimestamp } from '../../../common/timestamps';
import { FaultSilenceEntity } from '../../entities/fault-silence.entity';
import { NoNul, OptionalText, trim } from '../../dto/fault-input.dto';

/** A recurring maintenance window: an RFC 5545 rule evaluated in an IANA time zone. */
export class SilenceScheduleDto {
  /** RFC 5545 RRULE without DTSTART (it starts at `starts_at`), FREQ at least HOURLY. */
  @ApiProperty({ maxLength: 500, example: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0' })
  @IsString()
  @NoNul()
  @MaxLength(500)
  rrule!: string;

  /** Each window lasts this long from each occurrence, 1–1440. */
  @ApiProperty({ minimum: 1, maximum: 1440, example: 120 })
  @IsInt()
  @Min(1)
  @Max(1440)
  duration_minutes!: number;

  /** IANA time zone the rule's local times are in (daylight-saving changes included). */
  @ApiProperty({ maxLength: 64, example: 'Europe/Berlin' })
  @IsString()
  @MaxLength(64)
  timezone!: string;

  /** No window starts at or after this; default: none. */
  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time', example: null })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string | null;
}

/** `POST /fault/silences`: at least one matcher; a single window of at most 90 days (`ends_at`), or a recurring `schedule`. */
export class CreateFaultSilenceDto {
  @OptionalText(512, 'site_8a7b6c5d4e3f2g1h', 'Matches a fault whose resource_ancestry_path has this segment')
  site?: string;

  @OptionalText(128, 'dev_2j4k2l2j3k4l2j3k4', 'Matches a fault of this resource')
  resource_id?: string;

  @OptionalText(128, 'wantunnel', 'Matches a fault of this type')
  type?: string;

  /** Default: now. */
  @ApiPropertyOptional({ example: '2099-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  starts_at?: string;

  /** After starts_at, at most 90 days later, and in the future. Required without `schedule`, refused with it. */
  @ApiPropertyOptional({ example: '2099-01-01T04:00:00Z' })
  @ValidateIf((o: CreateFaultSilenceDto) => o.schedule === undefined || o.ends_at !== undefined)
  @IsISO8601({ strict: true })
  ends_at?: string;

  /** Instead of `ends_at`: recurring windows, e.g. every Sunday 02:00–04:00 Berlin time. */
  @ApiPropertyOptional({ type: SilenceScheduleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SilenceScheduleDto)
  schedule?: SilenceScheduleDto;

  @ApiProperty({ minLength: 1, maxLength: 500, example: 'Carrier maintenance on the WAN1 circuit' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  @NoNul()
  comment!: string;
}

/** Silences a tenant may have that have not ended (expired ones do not count). */
export const MAX_SILENCES_PER_TENANT = 200;

export class ListFaultSilencesQueryDto {
  /** `true`: expired silences too. Default: active and future ones. */
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  include_expired?: 'true' | 'false';

  /** Page size, 1–200 (default 200: every active and future silence in one page, as the cap is 200). */
  @PageLimit(MAX_SILENCES_PER_TENANT, MAX_SILENCES_PER_TENANT)
  limit?: number;

  /** The `cursor` of the previous page's `Link: <…>; rel="next"` header, with the same include_expired. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  cursor?: string;
}

export class FaultSilenceDto {
  @ApiProperty({ example: 'sil_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb' })
  id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'site_8a7b6c5d4e3f2g1h' })
  site!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  resource_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'wantunnel' })
  type!: string | null;

  @ApiProperty({ example: '2099-01-01T00:00:00.000000Z' })
  starts_at!: string;

  /** The end of a single window; for a schedule its `until` (null: none). */
  @ApiProperty({ type: String, nullable: true, example: '2099-01-01T04:00:00.000000Z' })
  ends_at!: string | null;

  @ApiProperty({ type: SilenceScheduleDto, nullable: true, example: null })
  schedule!: SilenceScheduleDto | null;

  /** A window of it is in force now. */
  @ApiProperty({ example: false })
  active!: boolean;

  /** The window in force now, else the next one; null when none is left. */
  @ApiProperty({ type: () => SilenceWindowDto, nullable: true })
  next_window!: SilenceWindowDto | null;

  @ApiProperty({ example: 'Carrier maintenance on the WAN1 circuit' })
  comment!: string;

  /** The token subject that created it. */
  @ApiProperty({ example: 'usr_7f3a' })
  created_by!: string;

  @ApiProperty({ example: '2098-12-30T09:00:00.000000Z' })
  created_at!: string;
}

export class SilenceWindowDto {
  @ApiProperty({ example: '2099-01-04T01:00:00.000000Z' })
  starts_at!: string;

  @ApiProperty({ example: '2099-01-04T03:00:00.000000Z' })
  ends_at!: string;
}

/** A recurring silence has no end before this (stored as its ends_at; shown as null). */
export const OPEN_ENDED = new Date('9999-12-31T00:00:00Z');

/** The one way a silence leaves the service; `window` is the window in force or next (computed by the service). */
export function toFaultSilenceDto(silence: FaultSilenceEntity, window: { startsAt: Date; endsAt: Date } | null, now: Date): FaultSilenceDto {
  const schedule =
    silence.scheduleRrule === null || silence.scheduleRrule === undefined
      ? null
      : {
          rrule: silence.scheduleRrule,
          duration_minutes: silence.scheduleDurationMinutes!,
          timezone: silence.scheduleTimezone!,
          until: silence.endsAt.getTime() >= OPEN_ENDED.getTime() ? null : toApiTimestamp(silence.endsAt),
        };
  return {
    id: silence.id,
    site: silence.site,
    resource_id: silence.resourceId,
    type: silence.type,
    starts_at: toApiTimestamp(silence.startsAt),
    ends_at: schedule !== null && silence.endsAt.getTime() >= OPEN_ENDED.getTime() ? null : toApiTimestamp(silence.endsAt),
    schedule,
    active: window !== null && window.startsAt <= now && now < window.endsAt,
    next_window: window === null ? null : { starts_at: toApiTimestamp(window.startsAt), ends_at: toApiTimestamp(window.endsAt) },
    comment: silence.comment,
    created_by: silence.createdBy,
    created_at: toApiTimestamp(silence.createdAt),
  };
}
