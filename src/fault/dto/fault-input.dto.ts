import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateBy, ValidateIf } from 'class-validator';
import { FAULT_SEVERITIES, FAULT_STATUSES, type FaultSeverity, type FaultStatus } from '../entities/fault.entity';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
/** Optional text: trimmed, and an empty string means "none". */
const trimToNull = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** PostgreSQL text cannot hold NUL: refuse it as bad input rather than fail in the database. */
const NoNul = (): PropertyDecorator =>
  ValidateBy({
    name: 'noNul',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !value.includes('\u0000'),
      defaultMessage: (args) => `${args?.property ?? 'value'} must not contain NUL characters`,
    },
  });

/** `cause`: optional, trimmed, up to 2000 characters; empty or null means none (create and update alike). */
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

  /** Service tokens (`faults:ingest`) only: the tenant the fault belongs to. A user's tenant comes from the token. */
  @ApiPropertyOptional({ example: 'cus_1i2j3k4l5m6n7o8p' })
  @Transform(trim)
  @IsOptional()
  @IsString()
  @NoNul()
  @Matches(TENANT_PATTERN, { message: 'customer_id must be 1-128 letters, digits, "_" or "-"' })
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

export const LIST_STATUSES = ['unresolved', 'resolved', 'recent'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

export class ListFaultsQueryDto {
  /** Page size, 1–100. */
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** `meta.cursor` of the previous page, with the same filters. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @NoNul()
  @MaxLength(1024)
  cursor?: string;

  /** Created at or after (ISO 8601). */
  @ApiPropertyOptional({ example: '2025-10-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Created before (ISO 8601). */
  @ApiPropertyOptional({ example: '2025-10-22T00:00:00Z' })
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

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(128)
  type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(128)
  resource_id?: string;

  /** Matches one segment of resource_ancestry_path, e.g. a `site_…` id. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @NoNul()
  @IsNotEmpty()
  @MaxLength(512)
  site?: string;
}
