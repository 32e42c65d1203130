import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentService } from '../auth/auth.decorators';
import { ServicePrincipal } from '../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors } from '../common/api-error-responses';
import { NoStore } from '../common/cache-control';
import { ApiKeyVerificationDto, ResolvedVaultSecretsDto, ResolveVaultSecretsDto, VerifyApiKeyDto } from './dto/internal-vault.dto';
import { VaultRunnerService } from './runner/vault-runner.service';

/** Service-to-service: the workflow runner uses vault items here (service tokens with `vault:use`). */
@ApiTags('vault (internal)')
@ApiDatabaseUnavailable(', or the KMS key failed its startup check')
@Auth({ service: ['vault:use'] })
@Controller('internal/vault')
export class InternalVaultController {
  constructor(private readonly vault: VaultRunnerService) {}

  /** The decrypted values of up to 100 of a tenant's items, all or nothing. */
  @Post('resolve')
  @HttpCode(200)
  @NoStore()
  @ApiOkResponse({ type: ResolvedVaultSecretsDto })
  @ApiJsonBodyErrors([{ field: 'names', message: 'names must contain at least 1 elements' }], '; a name of an `api-key:` item (it has no value)')
  @ApiError(404, { description: 'A name is unknown for this tenant (the message lists them)', message: 'Vault items not found: mikrotik-backup-password' })
  @ApiError(410, { description: 'An item has expired (the message lists them)', message: 'Vault items expired: mikrotik-backup-password' })
  resolveVaultSecrets(@CurrentService() principal: ServicePrincipal, @Body() body: ResolveVaultSecretsDto): Promise<ResolvedVaultSecretsDto> {
    return this.vault.resolve(principal, body.customer_id, body.names);
  }

  /** Whether a `wfk_…` key is a live workflow API key, and whose. */
  @Post('api-keys/verify')
  @HttpCode(200)
  @NoStore()
  @ApiOkResponse({ type: ApiKeyVerificationDto })
  @ApiJsonBodyErrors([{ field: 'api_key', message: 'api_key must be a string' }])
  verifyWorkflowApiKey(@CurrentService() principal: ServicePrincipal, @Body() body: VerifyApiKeyDto): Promise<ApiKeyVerificationDto> {
    return this.vault.verifyApiKey(principal, body.api_key);
  }
}
