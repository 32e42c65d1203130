import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateBy, ValidateIf } from 'class-validator';
import { PageLimit } from '../../common/query-params';
import { FAULT_SEVERITIES, FAULT_STATUSES, type FaultSeverity, type FaultStatus } from '../entities/fault.entity';

export const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
/** Optional text: trimmed, and an empty string means "none". */
const trimToNull = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** dedup_key: 1–255 visible characters (no whitespace, control or unassigned code points). */
export const DEDUP_KEY_PATTERN = /^[^\s\p{C}]{1,255}$/u;
/** Text searched by ?q=: no control characters (so no newline either). */
const SEARCH_PATTERN = /^[^\p{Cc}]*$/u;

/** `dedup_key`: trimmed, 1–255 visible characters. */
export const DedupKey = (required: boolean): PropertyDecorator =>
  applyDecorators(
    required
      ? ApiProperty({ maxLength: 255, example: 'wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1' })
      : ApiPropertyOptional({ maxLength: 255, example: 'wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1' }),
    Transform(trim),
    ...(required ? [] : [IsOptional()]),
    IsString(),
    Matches(DEDUP_KEY_PATTERN, { message: 'dedup_key must be 1-255 visible characters (no spaces or control characters)' }),
  );

/** A query flag: the strings `true` or `false` (the service reads them as booleans). */
const QueryFlag = (description: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ enum: ['true', 'false'], description }), IsOptional(), IsIn(['true', 'false']));

/** PostgreSQL text cannot hold NUL: refuse it as bad input rather than fail in the database. */
export const NoNul = (): PropertyDecorator =>
  ValidateBy({
    name: 'noNul',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !value.includes('\u0000'),
      defaultMessage: (args) => `${args?.property ?? 'value'} must not contain NUL characters`,
    },
  });

/** `cause`: optional, trimmed, up to 2000 characters; empty or null means none (create and update alike). */
/** An optional body string: trimmed, non-empty, no NUL, at most `maxLength`. */
export const OptionalText = (maxLength: number, example: string, description?: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ maxLength, example, ...(description ? { description } : {}) }),
    Transform(trim),
    IsOptional(),
    IsString(),
    NoNul(),
    IsNotEmpty(),
    MaxLength(maxLength),
  );

/** `customer_id` in a body: service tokens only, naming the tenant. */
const ServiceTenant = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ maxLength: 128, example: 'cus_1i2j3k4l5m6n7o8p' }),
    Transform(trim),
    IsOptional(),
    IsString(),
    NoNul(),
    Matches(TENANT_PATTERN, { message: 'customer_id must be 1-128 letters, digits, "_" or "-"' }),
  );

const FaultCause = (example?: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, ...(example ? { example } : {}) }),
    Transform(trimToNull),
    IsOptional(),
    IsString(),
    NoNul(),
    MaxLength(2000),
  );

export class CreateFaultDto {
  @ApiProperty({ example: 'dev_2j4k2l2j3k4l2j3k4', maxLength: 128 })
  @Transform(trim)
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(128)
  resource_id!: string;

  @ApiProperty({ example: 'wantunnel-monitor', maxLength: 128 })
  @Transform(trim)
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(128)
  microservice_id!: string;

  @ApiProperty({ example: 'wantunnel', maxLength: 128 })
  @Transform(trim)
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(128)
  type!: string;

  @ApiProperty({ enum: FAULT_SEVERITIES })
  @Transform(trim)
  @IsIn(FAULT_SEVERITIES)
  severity!: FaultSeverity;

  @ApiProperty({ example: "WAN tunnel 'Primary link (WAN1)' is down", maxLength: 500 })
  @Transform(trim)
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(500)
  message!: string;

  @FaultCause('Upstream ISP outage')
  cause?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 512, example: 'site_8a7b6c5d4e3f2g1h|dev_2j4k2l2j3k4l2j3k4' })
  @Transform(trimToNull)
  @IsOptional()
  @IsString()
  @NoNul()
  @MaxLength(512)
  resource_ancestry_path?: string | null;

  /**
   * The reporter's key for "the same problem". While an unresolved fault of the tenant has it, a
   * report merges into that fault (200, `Fault-Deduplicated: true`); shortly after it was
   * resolved, it reopens it (200, `Fault-Reopened: true`).
   */
  @DedupKey(false)
  dedup_key?: string;

  /** Service tokens (`faults:ingest`) only: the tenant the fault belongs to. A user's tenant comes from the token (sending it is a 400). */
  @ServiceTenant()
  customer_id?: string;
}

export class UpdateFaultDto {
  @ApiPropertyOptional({ enum: FAULT_SEVERITIES })
  @Transform(trim)
  @ValidateIf((o: UpdateFaultDto) => o.severity !== undefined)
  @IsIn(FAULT_SEVERITIES)
  severity?: FaultSeverity;

  @ApiPropertyOptional({ maxLength: 500 })
  @Transform(trim)
  @ValidateIf((o: UpdateFaultDto) => o.message !== undefined)
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(500)
  message?: string;

  /** null (or an empty string) clears it. */
  @FaultCause()
  cause?: string | null;

  /** `resolved` sets resolved_at; `unresolved` clears it. */
  @ApiPropertyOptional({ enum: FAULT_STATUSES })
  @ValidateIf((o: UpdateFaultDto) => o.status !== undefined)
  @IsIn(FAULT_STATUSES)
  status?: FaultStatus;

  /** `true` sets acknowledged_at and acknowledged_by (you); `false` clears them. */
  @ApiPropertyOptional({ type: Boolean })
  @ValidateIf((o: UpdateFaultDto) => o.acknowledged !== undefined)
  @IsBoolean()
  acknowledged?: boolean;
}

export class AddFaultCommentDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'ISP confirmed an outage in the area.' })
  @Transform(trim)
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(2000)
  comment!: string;
}

/** An exact-match text filter of the list: non-empty, at most `maxLength`, no NUL. */
const FilterText = (maxLength: number): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ maxLength }), IsOptional(), IsString(), NoNul(), IsNotEmpty(), MaxLength(maxLength));

export const LIST_STATUSES = ['unresolved', 'resolved', 'recent'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

export class ListFaultsQueryDto {
  /** Page size, 1–100. */
  @PageLimit(50)
  limit?: number;

  /** `meta.cursor` of the previous page, with the same filters. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @NoNul()
  @MaxLength(1024)
  cursor?: string;

  /** Created at or after (ISO 8601), e.g. `2026-10-01T00:00:00Z`. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Created before (ISO 8601), e.g. `2026-10-22T00:00:00Z`. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: FAULT_SEVERITIES })
  @IsOptional()
  @IsIn(FAULT_SEVERITIES)
  severity?: FaultSeverity;

  /** `recent` = unresolved or created in the last 24 hours. */
  @ApiPropertyOptional({ enum: LIST_STATUSES })
  @IsOptional()
  @IsIn(LIST_STATUSES)
  status?: ListStatus;

  @FilterText(128)
  type?: string;

  @FilterText(128)
  resource_id?: string;

  /** Matches one segment of resource_ancestry_path, e.g. a `site_…` id. */
  @FilterText(512)
  site?: string;

  /** Case-insensitive substring of message or cause, 2–200 characters, e.g. `WAN1`. */
  @ApiPropertyOptional({ minLength: 2, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  @Matches(SEARCH_PATTERN, { message: 'q must not contain control characters' })
  q?: string;

  /** Faults reported with this `dedup_key`, e.g. `wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1`. */
  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @Matches(DEDUP_KEY_PATTERN, { message: 'dedup_key must be 1-255 visible characters (no spaces or control characters)' })
  dedup_key?: string;

  @QueryFlag('Only acknowledged (`true`) or unacknowledged (`false`) faults.')
  acknowledged?: 'true' | 'false';

  @QueryFlag('Only faults reported during a matching silence (`true`), or the others (`false`).')
  silenced?: 'true' | 'false';

  @QueryFlag('`true`: only faults without a root (what a person should act on); `false`: only symptoms.')
  root?: 'true' | 'false';

  /** Only the symptoms of this fault (`flt_…`). */
  @FilterText(64)
  root_fault_id?: string;

  @QueryFlag('Only flapping (`true`) or steady (`false`) faults.')
  flapping?: 'true' | 'false';
}

/** `POST /fault/resolve`: a `dedup_key`, or a `resource_id` with its `type`. */
export class ResolveFaultsDto {
  @DedupKey(false)
  dedup_key?: string;

  @OptionalText(128, 'dev_2j4k2l2j3k4l2j3k4')
  resource_id?: string;

  @OptionalText(128, 'wantunnel')
  type?: string;

  /** Service tokens (`faults:ingest`) only: the tenant. */
  @ServiceTenant()
  customer_id?: string;
}

export const BULK_ACTIONS = ['resolve', 'unresolve', 'acknowledge'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export class BulkFaultActionDto {
  /** 1–100 fault ids of your tenant; others are answered in `not_found`. */
  @ApiProperty({ type: [String], minItems: 1, maxItems: 100, example: ['flt_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ids!: string[];

  @ApiProperty({ enum: BULK_ACTIONS })
  @IsIn(BULK_ACTIONS)
  action!: BulkAction;
}
