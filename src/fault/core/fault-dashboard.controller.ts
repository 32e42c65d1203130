import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/auth.decorators';
import { ApiDatabaseUnavailable, ApiError, ApiRateLimited } from '../../common/api-error-responses';
import { NoStore } from '../../common/cache-control';
import { FaultTokenService } from '../dashboard-access/fault-token.service';
import { TokenOrCodeParam } from '../dashboard-access/token-or-code-param';
import { DASHBOARD_NOT_FOUND } from '../dto/fault-examples';
import { FaultDto } from '../dto/fault.dto';
import { FaultService } from './fault.service';

/** The shared dashboard: the faults a read-only dashboard token (or its short code) shows. */
@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault/token')
export class FaultDashboardController {
  constructor(
    private readonly tokens: FaultTokenService,
    private readonly faults: FaultService,
  ) {}

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
}
