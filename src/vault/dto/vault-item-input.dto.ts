import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { PageLimit, toInt } from '../../common/query-params';
import { IsDefined, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { VAULT_ID_PATTERN } from '../../common/ids';
import { VAULT_ACTIONS, VAULT_OUTCOMES, VaultAction, VaultOutcome } from '../entities/vault-event.entity';
import { EXAMPLE_EXPIRES_AT } from './vault-examples';

/**
 * No control or format characters (Cc, Cf: bidi overrides such as U+202E and invisible ones such as U+200B make
 * one name look like another — "Trojan Source"), no lone surrogates, no leading or trailing whitespace.
 */
export const VAULT_NAME_PATTERN = /^(?!\s)(?!.*\s$)[^\p{Cc}\p{Cf}\p{Cs}]+$/su;
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
    ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: EXAMPLE_EXPIRES_AT }),
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
  @Matches(VAULT_NAME_PATTERN, { message: 'name must not contain control or invisible format characters or start or end with whitespace' })
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
  // PUT replaces the item, as the reference defines it: a missing name is one message saying so, not three about its form.
  @IsDefined({ message: 'name is required (PUT replaces the item)' })
  @IsString()
  @Length(3, 50)
  @Matches(VAULT_NAME_PATTERN, { message: 'name must not contain control or invisible format characters or start or end with whitespace' })
  name!: string;

  /** A new value (1–2000 characters); omit to keep the current one. Not allowed for an `api-key:` item. */
  @SecretValue()
  secret?: string;

  /** Omit to keep, null to clear, or a future date-time. */
  @ExpiresAt()
  expires_at?: string | null;
}


export class ListVaultItemsQueryDto {
  /** Only items that expire within this many days from now (and have not expired yet), soonest first; omit for every item. */
  @ApiPropertyOptional({ minimum: 0, maximum: 3650 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650)
  expiring_within_days?: number;

  /** `true`: only soft-deleted items still in their recovery window, with `deleted_at` and `purge_at`. */
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'deleted must be true or false' })
  deleted?: 'true' | 'false';
}

export class ListVaultEventsQueryDto {
  @PageLimit(50)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: 'cursor is not a cursor this API issued' })
  cursor?: string;
}

/** A date-time filter bound: ISO 8601 with a zone (no example: a pre-filled bound would hide data). */
function TimeBound(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ format: 'date-time' }),
    IsOptional(),
    IsString(),
    Matches(ZONED_TIMESTAMP, { message: '$property must be an ISO 8601 date-time with a time zone, e.g. 2099-01-01T00:00:00Z' }),
    IsISO8601({ strict: true }, { message: '$property must be a valid date-time' }),
  );
}

/** The tenant-wide audit trail's page and filters. */
export class ListTenantVaultEventsQueryDto extends ListVaultEventsQueryDto {
  @ApiPropertyOptional({ description: 'A vault item id (`vlt_…`)' })
  @IsOptional()
  @Matches(VAULT_ID_PATTERN, { message: 'vault_id must be a vault item id (vlt_…)' })
  vault_id?: string;

  @ApiPropertyOptional({ enum: VAULT_ACTIONS })
  @IsOptional()
  @IsIn(VAULT_ACTIONS, { message: `action must be one of ${VAULT_ACTIONS.join(', ')}` })
  action?: VaultAction;

  @ApiPropertyOptional({ enum: VAULT_OUTCOMES })
  @IsOptional()
  @IsIn(VAULT_OUTCOMES, { message: `outcome must be one of ${VAULT_OUTCOMES.join(', ')}` })
  outcome?: VaultOutcome;

  /** Events at or after this instant. */
  @TimeBound()
  from?: string;

  /** Events before this instant. */
  @TimeBound()
  to?: string;
}

export class RotateApiKeyDto {
  /** Minutes the replaced key keeps verifying (0 = it stops at once). */
  @ApiPropertyOptional({ minimum: 0, maximum: 1440, default: 60, example: 60 })
  @ValidateIf((o: RotateApiKeyDto) => o.grace_minutes !== undefined)
  @IsInt()
  @Min(0)
  @Max(1440)
  grace_minutes?: number;
}
