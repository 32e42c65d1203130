import { Body, Controller, Delete, Get, Header, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant, Public } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors, ApiRateLimited } from '../../common/api-error-responses';
import { NoStore } from '../../common/cache-control';
import { CreateFaultAccessTokenDto, FaultAccessTokenDto } from './dto/access-token.dto';
import { ACCESS_TOKEN_LINKS, DASHBOARD_NOT_FOUND } from '../dto/fault-examples';
import { FaultDto } from '../dto/fault.dto';
import { FaultTokenService } from './fault-token.service';
import { FaultService } from '../core/fault.service';

const TokenOrCodeParam = (): MethodDecorator =>
  ApiParam({ name: 'id', description: 'The dashboard `token`, or its short code (the last path segment of `short_link`), from generateAccessToken' });

@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault/token')
export class FaultTokenController {
  constructor(
    private readonly tokens: FaultTokenService,
    private readonly faults: FaultService,
  ) {}

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

  /** The shared dashboard (no Authorization header): `id` is the token or its short code. */
  @Get(':id')
  @Public()
  @NoStore()
  @Header('Referrer-Policy', 'no-referrer')
  @TokenOrCodeParam()
  @ApiOkResponse({ type: [FaultDto] })
  @ApiError(404, DASHBOARD_NOT_FOUND)
  @ApiRateLimited()
  async getFaultDashboardByToken(@Param('id') id: string): Promise<FaultDto[]> {
    const token = await this.tokens.resolve(id);
    if (token === null) throw new NotFoundException('Dashboard token not found or expired');
    return this.faults.dashboard(token.customerId);
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
