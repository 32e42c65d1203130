import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

/** No control characters, no lone surrogates, no leading or trailing whitespace. */
export const VAULT_NAME_PATTERN = /^(?!\s)(?!.*\s$)[^\p{Cc}\p{Cs}]+$/su;
/** Well-formed Unicode: a lone surrogate would silently become U+FFFD when stored. */
export const WELL_FORMED_TEXT = /^\P{Cs}*$/su;
/** An ISO 8601 date-time with an explicit zone, so it means the same instant everywhere. */
export const ZONED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
export const API_KEY_PREFIX = 'api-key:';

/** A secret value: 1–2000 characters of well-formed text (create and update validate it alike). */
function SecretValue(example?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ minLength: 1, maxLength: 2000, ...(example ? { example } : {}) }),
    IsOptional(),
    IsString(),
    Length(1, 2000),
    Matches(WELL_FORMED_TEXT, { message: 'secret must be well-formed Unicode text' }),
  );
}

/** An expiry: an ISO 8601 date-time with a zone, or null (create and update validate it alike). */
function ExpiresAt(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, nullable: true, example: '2026-10-21T12:00:00.000000Z' }),
    IsOptional(),
    IsString(),
    Matches(ZONED_TIMESTAMP, { message: 'expires_at must be an ISO 8601 date-time with a time zone, e.g. 2026-10-21T12:00:00Z' }),
    IsISO8601({ strict: true }, { message: 'expires_at must be a valid date-time' }),
  );
}

export class CreateVaultItemDto {
  /** 3–50 characters, unique per tenant. A name starting with `api-key:` creates a workflow API key. */
  @ApiProperty({ minLength: 3, maxLength: 50, example: 'mikrotik-backup-password' })
  @IsString()
  @Length(3, 50)
  @Matches(VAULT_NAME_PATTERN, { message: 'name must not contain control characters or start or end with whitespace' })
  name!: string;

  /** 1–2000 characters; required for an ordinary item, not allowed for an `api-key:` item. */
  @SecretValue('s3cr3t-value')
  secret?: string;

  /** Must be in the future; omit or null for no expiry. */
  @ExpiresAt()
  expires_at?: string | null;
}

export class UpdateVaultItemDto {
  /** 3–50 characters, unique per tenant; an `api-key:` item keeps the prefix, an ordinary item cannot take it. */
  @ApiProperty({ minLength: 3, maxLength: 50, example: 'mikrotik-backup-password' })
  @IsString()
  @Length(3, 50)
  @Matches(VAULT_NAME_PATTERN, { message: 'name must not contain control characters or start or end with whitespace' })
  name!: string;

  /** A new value (1–2000 characters); omit to keep the current one. Not allowed for an `api-key:` item. */
  @SecretValue()
  secret?: string;

  /** Omit to keep, null to clear, or a future date-time. */
  @ExpiresAt()
  expires_at?: string | null;
}

const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value);

export class ListVaultItemsQueryDto {
  /** Only items that expire within this many days from now (and have not expired yet), soonest first. */
  @ApiPropertyOptional({ minimum: 0, maximum: 3650, example: 14 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650)
  expiring_within_days?: number;
}

export class ListVaultEventsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: 'cursor is not a cursor this API issued' })
  cursor?: string;
}
