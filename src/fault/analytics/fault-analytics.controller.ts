import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiValidationError } from '../../common/api-error-responses';
import { FaultAnalyticsDto, FaultAnalyticsQueryDto } from './dto/analytics.dto';
import { FaultAnalyticsService } from './fault-analytics.service';

@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault/analytics')
export class FaultAnalyticsController {
  constructor(private readonly analytics: FaultAnalyticsService) {}

  /** MTTA and MTTR (mean, p50, p90) with counts per site, type, severity or resource, for faults created in a window of at most 92 days. */
  @Get()
  @Auth({ user: ['faults:read'] })
  @ApiOkResponse({ type: FaultAnalyticsDto })
  @ApiValidationError('Missing or invalid window, group_by or filter', [{ field: 'to', message: 'to must be at most 92 days after from' }])
  getFaultAnalytics(@CurrentTenant() p: TenantPrincipal, @Query() query: FaultAnalyticsQueryDto): Promise<FaultAnalyticsDto> {
    return this.analytics.analytics(p.customerId, query);
  }
}
