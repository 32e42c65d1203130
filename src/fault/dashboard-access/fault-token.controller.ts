import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors } from '../../common/api-error-responses';
import { NoStore } from '../../common/cache-control';
import { ACCESS_TOKEN_LINKS } from '../dto/fault-examples';
import { CreateFaultAccessTokenDto, FaultAccessTokenDto } from './dto/access-token.dto';
import { FaultTokenService } from './fault-token.service';
import { TokenOrCodeParam } from './token-or-code-param';

/** Minting and revoking read-only dashboard tokens (the dashboard itself, `GET /fault/token/{id}`, is FaultDashboardController). */
@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault/token')
export class FaultTokenController {
  constructor(private readonly tokens: FaultTokenService) {}

  /** Mint a read-only dashboard token for the caller's tenant. */
  @Post()
  @HttpCode(200)
  @NoStore()
  @Auth({ user: ['faults:read'] })
  @ApiOkResponse({ type: FaultAccessTokenDto, links: ACCESS_TOKEN_LINKS })
  @ApiJsonBodyErrors([{ field: 'expire_after_minutes', message: 'expire_after_minutes must not be greater than 43200' }])
  generateAccessToken(@CurrentTenant() p: TenantPrincipal, @Body() body: CreateFaultAccessTokenDto): Promise<FaultAccessTokenDto> {
    return this.tokens.mint(p, body.expire_after_minutes);
  }

  /** Revoke a dashboard token (given as the token or its short code) before it expires. */
  @Delete(':id')
  @HttpCode(204)
  @Auth({ user: ['faults:read'] })
  @TokenOrCodeParam()
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiError(404, { description: "No such token or code in the token's tenant", message: 'Dashboard token not found' })
  revokeFaultAccessToken(@CurrentTenant() p: TenantPrincipal, @Param('id') id: string): Promise<void> {
    return this.tokens.revoke(p.customerId, id);
  }
}
