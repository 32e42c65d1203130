import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageLimit } from '../../common/query-params';
import { toApiTimestamp } from '../../common/timestamps';
import { FaultSilenceEntity } from '../entities/fault-silence.entity';
import { NoNul, OptionalText, trim } from './fault-input.dto';

/** `POST /fault/silences`: at least one matcher; the window is at most 90 days. */
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

  /** After starts_at, at most 90 days later, and in the future. */
  @ApiProperty({ example: '2099-01-01T04:00:00Z' })
  @IsISO8601({ strict: true })
  ends_at!: string;

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

  @ApiProperty({ example: '2099-01-01T04:00:00.000000Z' })
  ends_at!: string;

  @ApiProperty({ example: 'Carrier maintenance on the WAN1 circuit' })
  comment!: string;

  /** The token subject that created it. */
  @ApiProperty({ example: 'usr_7f3a' })
  created_by!: string;

  @ApiProperty({ example: '2098-12-30T09:00:00.000000Z' })
  created_at!: string;
}

/** The one way a silence leaves the service. */
export function toFaultSilenceDto(silence: FaultSilenceEntity): FaultSilenceDto {
  return {
    id: silence.id,
    site: silence.site,
    resource_id: silence.resourceId,
    type: silence.type,
    starts_at: toApiTimestamp(silence.startsAt),
    ends_at: toApiTimestamp(silence.endsAt),
    comment: silence.comment,
    created_by: silence.createdBy,
    created_at: toApiTimestamp(silence.createdAt),
  };
}
