import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ApiKeyVerificationDto, ResolvedVaultSecretsDto, ResolveVaultSecretsDto, VerifyApiKeyDto } from './dto/internal-vault.dto';
import { VaultService } from './vault.service';

/** Service-to-service: the workflow runner uses vault items here (service tokens with `vault:use`). */
@ApiTags('vault (internal)')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Auth({ service: ['vault:use'] })
@Controller('internal/vault')
export class InternalVaultController {
  constructor(private readonly vault: VaultService) {}

  /** The decrypted values of up to 100 of a tenant's items, all or nothing. */
  @Post('resolve')
  @HttpCode(200)
  @ApiOkResponse({ type: ResolvedVaultSecretsDto })
  @ApiNotFoundResponse({ description: 'A name is unknown for this tenant', type: ErrorResponseDto })
  @ApiGoneResponse({ description: 'An item has expired', type: ErrorResponseDto })
  resolveVaultSecrets(@CurrentPrincipal() principal: Principal, @Body() body: ResolveVaultSecretsDto): Promise<ResolvedVaultSecretsDto> {
    return this.vault.resolve(principal, body.customer_id, body.names);
  }

  /** Whether a `wfk_…` key is a live workflow API key, and whose. */
  @Post('api-keys/verify')
  @HttpCode(200)
  @ApiOkResponse({ type: ApiKeyVerificationDto })
  verifyWorkflowApiKey(@CurrentPrincipal() principal: Principal, @Body() body: VerifyApiKeyDto): Promise<ApiKeyVerificationDto> {
    return this.vault.verifyApiKey(principal, body.api_key);
  }
}
