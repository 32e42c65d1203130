import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiValidationError } from '../../common/api-error-responses';
import { FAULT_NOT_FOUND } from '../dto/fault-examples';
import { TimelineDto, TimelineQueryDto } from './dto/timeline.dto';
import { FaultTimelineService } from './fault-timeline.service';

@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault')
export class FaultTimelineController {
  constructor(private readonly timeline: FaultTimelineService) {}

  /** Who did what to a fault, oldest first: created, repeats (folded), updates, comments, correlation, flapping, escalation, resolution. */
  @Get(':faultId/timeline')
  @Auth({ user: ['faults:read'], dashboard: true })
  @ApiParam({ name: 'faultId', description: 'A fault `id` (`flt_…`), e.g. from createFault or listFaults' })
  @ApiOkResponse({ type: TimelineDto })
  @ApiValidationError('Invalid limit or cursor', [{ field: 'limit', message: 'limit must not be greater than 100' }])
  @ApiError(404, FAULT_NOT_FOUND)
  getFaultTimeline(@CurrentTenant() p: TenantPrincipal, @Param('faultId') faultId: string, @Query() query: TimelineQueryDto): Promise<TimelineDto> {
    return this.timeline.list(p.customerId, faultId, query);
  }
}
