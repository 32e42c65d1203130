import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, Matches, MaxLength } from 'class-validator';
import { VAULT_NAME_PATTERN } from './vault-item-input.dto';

export class ResolveVaultSecretsDto {
  /** The tenant whose items to resolve (service tokens carry no tenant). */
  @ApiProperty({ example: 'cus_demo' })
  @IsString()
  @Length(1, 128)
  @Matches(/^[^\p{Cc}\p{Cs}\s]+$/u, { message: 'customer_id must not contain whitespace or control characters' })
  customer_id!: string;

  /** 1–100 item names; resolved in one database round trip. */
  @ApiProperty({ type: [String], minItems: 1, maxItems: 100, example: ['mikrotik-backup-password'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(3, 50, { each: true })
  @Matches(VAULT_NAME_PATTERN, { each: true, message: 'each name must be a vault item name (no control or format characters, no surrounding whitespace)' })
  names!: string[];
}

export class ResolvedVaultSecretsDto {
  @ApiProperty({ example: 'cus_demo' })
  customer_id!: string;

  /** Decrypted values by item name. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { 'mikrotik-backup-password': 's3cr3t-value' } })
  secrets!: Record<string, string>;

  /** The version of each value answered (the current one). */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { 'mikrotik-backup-password': 3 } })
  versions!: Record<string, number>;
}

export class VerifyApiKeyDto {
  @ApiProperty({ example: 'wfk_4Vd1Jp0o3sV0wq6Yb8G2kM7rT9xZ5nQ1cH3eL6aF8uB_1a2B3c' })
  @IsString()
  @MaxLength(200)
  api_key!: string;
}

export class ApiKeyVerificationDto {
  /** False for an unknown, malformed, expired or deleted key. */
  @ApiProperty()
  valid!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'vlt_01jb8rmyz3k9e3b1q6x2v4n7tc' })
  vault_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'cus_demo' })
  customer_id!: string | null;
}
