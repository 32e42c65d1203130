import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors, ApiValidationError } from '../../common/api-error-responses';
import { CREATE_FAULT_SILENCE_EXAMPLES, FAULT_SILENCE_LINKS, SILENCE_NOT_FOUND, TOO_MANY_SILENCES } from '../dto/fault-examples';
import { CreateFaultSilenceDto, FaultSilenceDto, ListFaultSilencesQueryDto } from './dto/fault-silence.dto';
import { FaultSilenceService } from './fault-silence.service';

function nextPageUrl(query: ListFaultSilencesQueryDto, cursor: string): string {
  const params = new URLSearchParams({ ...(query.include_expired !== undefined ? { include_expired: query.include_expired } : {}), ...(query.limit !== undefined ? { limit: String(query.limit) } : {}), cursor });
  return `/fault/silences?${params.toString()}`;
}

@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault/silences')
export class FaultSilenceController {
  constructor(private readonly silences: FaultSilenceService) {}

  /** Silence matching faults for a maintenance window (at least one of site, resource_id, type). */
  @Post()
  @HttpCode(201)
  @Auth({ user: ['faults:write'] })
  @ApiBody({ type: CreateFaultSilenceDto, examples: CREATE_FAULT_SILENCE_EXAMPLES })
  @ApiCreatedResponse({ type: FaultSilenceDto, links: FAULT_SILENCE_LINKS })
  @ApiJsonBodyErrors(
    [{ field: 'ends_at', message: 'ends_at must be a valid ISO 8601 date string' }],
    '; no matcher (site, resource_id or type); `ends_at` not after `starts_at`, more than 90 days after it, or in the past',
  )
  @ApiError(409, TOO_MANY_SILENCES)
  createFaultSilence(@CurrentTenant() p: TenantPrincipal, @Body() body: CreateFaultSilenceDto): Promise<FaultSilenceDto> {
    return this.silences.create(p, body);
  }

  /**
   * Active and future silences (all with `include_expired=true`), by start: a plain array, at most `limit` (default
   * 200, the cap on active and future silences). A `Link: <…>; rel="next"` header names the next page when there is one.
   */
  @Get()
  @Auth({ user: ['faults:read'] })
  @ApiOkResponse({ type: [FaultSilenceDto], headers: { Link: { description: 'The next page, `<…?cursor=…>; rel="next"`, when there is one', schema: { type: 'string' } } } })
  @ApiValidationError('Invalid query parameter, or a cursor this API did not issue', [{ field: 'include_expired', message: 'include_expired must be one of the following values: true, false' }])
  async listFaultSilences(@CurrentTenant() p: TenantPrincipal, @Query() query: ListFaultSilencesQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<FaultSilenceDto[]> {
    const page = await this.silences.list(p.customerId, query);
    if (page.next !== null) reply.header('link', `<${nextPageUrl(query, page.next)}>; rel="next"`);
    return page.data;
  }

  @Delete(':silenceId')
  @HttpCode(204)
  @Auth({ user: ['faults:write'] })
  @ApiParam({ name: 'silenceId', description: 'A silence `id` (`sil_…`), e.g. from createFaultSilence or listFaultSilences' })
  @ApiNoContentResponse({ description: 'Deleted: faults reported from now on are no longer silenced by it' })
  @ApiError(404, SILENCE_NOT_FOUND)
  deleteFaultSilence(@CurrentTenant() p: TenantPrincipal, @Param('silenceId') silenceId: string): Promise<void> {
    return this.silences.delete(p.customerId, silenceId);
  }
}
