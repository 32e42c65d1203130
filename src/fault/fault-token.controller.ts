import { Body, Controller, Delete, Get, Header, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, Public } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../common/error-response.dto';
import { CreateFaultAccessTokenDto, FaultAccessTokenDto } from './dto/access-token.dto';
import { FaultDto } from './dto/fault.dto';
import { FaultTokenService } from './fault-token.service';
import { FaultService } from './fault.service';

@ApiTags('faults')
@Controller('fault/token')
export class FaultTokenController {
  constructor(
    private readonly tokens: FaultTokenService,
    private readonly faults: FaultService,
  ) {}

  /** Mint a read-only dashboard token for the caller's tenant. */
  @Post()
  @HttpCode(200)
  @Auth({ user: ['faults:read'] })
  @ApiOkResponse({ type: FaultAccessTokenDto })
  createFaultAccessToken(@CurrentPrincipal() p: Principal, @Body() body: CreateFaultAccessTokenDto): Promise<FaultAccessTokenDto> {
    return this.tokens.mint(p, body.expire_after_minutes);
  }

  /** The shared dashboard (no Authorization header): `id` is the token or its short code. */
  @Get(':id')
  @Public()
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @ApiOkResponse({ type: [FaultDto] })
  @ApiNotFoundResponse({ description: 'Unknown, expired or revoked', type: ErrorResponseDto })
  async getSharedFaultDashboard(@Param('id') id: string): Promise<FaultDto[]> {
    const token = await this.tokens.resolve(id);
    if (token === null) throw new NotFoundException('Dashboard token not found or expired');
    return this.faults.dashboard(token.customerId);
  }

  /** Revoke a dashboard token (given as the token or its short code) before it expires. */
  @Delete(':id')
  @HttpCode(204)
  @Auth({ user: ['faults:read'] })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  revokeFaultAccessToken(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    return this.tokens.revoke(p.customerId!, id);
  }
}
