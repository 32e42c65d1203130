import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, CurrentTenant } from '../../auth/auth.decorators';
import { Principal, TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors, ApiValidationError } from '../../common/api-error-responses';
import { AddFaultCommentDto, BulkFaultActionDto, CreateFaultDto, ListFaultsQueryDto, ResolveFaultsDto, UpdateFaultDto } from '../dto/fault-input.dto';
import {
  BULK_FAULT_EXAMPLES,
  CREATE_FAULT_EXAMPLES,
  FAULT_LINKS,
  FAULT_NOT_FOUND,
  OPEN_KEY_CONFLICT_EXAMPLE,
  RESOLVE_FAULTS_EXAMPLES,
  UPDATE_FAULT_EXAMPLES,
} from '../dto/fault-examples';
import { BulkFaultResultDto, FaultDto, FaultListDto, ResolveFaultsResultDto } from '../dto/fault.dto';
import { FaultLifecycleService } from './fault-lifecycle.service';
import { TopFaultDto } from '../dto/top-fault.dto';
import { FaultService } from './fault.service';
import { CSV, FaultExportService, NDJSON, exportFormat } from '../export/fault-export.service';
import { TopFaultsService } from '../top-faults/top-faults.service';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
}

const FaultIdParam = (): MethodDecorator => ApiParam({ name: 'faultId', description: 'A fault `id` (`flt_…`), e.g. from createFault or listFaults' });

@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault')
export class FaultController {
  constructor(
    private readonly faults: FaultService,
    private readonly lifecycle: FaultLifecycleService,
    private readonly exports: FaultExportService,
    private readonly topFaults: TopFaultsService,
  ) {}

  /**
   * List the tenant's faults, newest first, one page at a time. With `Accept: text/csv` or
   * `Accept: application/x-ndjson`: every fault matching the filters as one streamed file (no paging).
   */
  @Get()
  @Auth({ user: ['faults:read'], dashboard: true })
  @ApiProduces('application/json', CSV, NDJSON)
  @ApiOkResponse({ type: FaultListDto })
  @ApiValidationError('Invalid query parameter, or a cursor that was altered, is another tenant\'s or was issued for other filters', [
    { field: 'limit', message: 'limit must not be greater than 100' },
  ])
  listFaults(@CurrentTenant() p: TenantPrincipal, @Query() query: ListFaultsQueryDto, @Headers('accept') accept: string | undefined): Promise<FaultListDto> | StreamableFile {
    const format = exportFormat(accept);
    if (format === undefined) return this.faults.list(p.customerId, query);
    const disposition = `attachment; filename="faults.${format === CSV ? 'csv' : 'ndjson'}"`;
    return new StreamableFile(this.exports.export(p.customerId, query, format), { type: format === CSV ? `${CSV}; charset=utf-8` : NDJSON, disposition });
  }

  /**
   * Report a fault. Users create in their tenant; services (`faults:ingest`) name it in `customer_id`.
   * With a `dedup_key` already open, the report merges into that fault (200); shortly after that
   * fault was resolved, it reopens it (200); otherwise a new fault (201).
   */
  @Post()
  @HttpCode(201)
  @Auth({ user: ['faults:write'], service: ['faults:ingest'] })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Optional, 1–255 visible characters, one per fault you mean to create: a repeat within 24 h with the same body returns the first response; the same key with another body → 422',
  })
  @ApiBody({ type: CreateFaultDto, examples: CREATE_FAULT_EXAMPLES })
  @ApiCreatedResponse({ type: FaultDto, description: 'A new fault', links: FAULT_LINKS })
  @ApiOkResponse({
    type: FaultDto,
    description: 'Merged into the unresolved fault with this dedup_key (header `Fault-Deduplicated: true`), or reopened it (header `Fault-Reopened: true`)',
    headers: {
      'Fault-Deduplicated': { description: '`true` when the report merged into an unresolved fault', schema: { type: 'string', enum: ['true'] } },
      'Fault-Reopened': { description: '`true` when the report reopened a recently resolved fault', schema: { type: 'string', enum: ['true'] } },
    },
  })
  @ApiJsonBodyErrors(
    [{ field: 'severity', message: 'severity must be one of the following values: LOW, MEDIUM, HIGH, CRITICAL, WARNING' }],
    '; `customer_id` sent with a user token, or missing with a service token',
  )
  @ApiError(422, { description: 'Idempotency-Key already used with a different body', message: 'Idempotency-Key was already used with a different request body' })
  async createFault(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateFaultDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: Reply,
  ): Promise<FaultDto> {
    const result = await this.faults.create(p, body, idempotencyKey);
    reply.status(result.status);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    if (result.outcome === 'occurred') reply.header('fault-deduplicated', 'true');
    if (result.outcome === 'reopened') reply.header('fault-reopened', 'true');
    return result.body;
  }

  /** The problem cleared: resolve every unresolved fault with this `dedup_key`, or with this `resource_id` and `type`. */
  @Post('resolve')
  @HttpCode(200)
  @Auth({ user: ['faults:write'], service: ['faults:ingest'] })
  @ApiBody({ type: ResolveFaultsDto, examples: RESOLVE_FAULTS_EXAMPLES })
  @ApiOkResponse({ type: ResolveFaultsResultDto, description: 'The faults it resolved (`resolved: 0` when none was unresolved)' })
  @ApiJsonBodyErrors(
    [{ field: 'dedup_key', message: 'dedup_key must be 1-255 visible characters (no spaces or control characters)' }],
    '; neither or both of `dedup_key` and `resource_id` with `type`; `customer_id` sent with a user token, or missing with a service token',
  )
  resolveFaults(@CurrentPrincipal() p: Principal, @Body() body: ResolveFaultsDto): Promise<ResolveFaultsResultDto> {
    return this.lifecycle.resolveMatching(p, body);
  }

  /** Resolve, unresolve or acknowledge up to 100 faults at once. */
  @Post('bulk')
  @HttpCode(200)
  @Auth({ user: ['faults:write'] })
  @ApiBody({ type: BulkFaultActionDto, examples: BULK_FAULT_EXAMPLES })
  @ApiOkResponse({ type: BulkFaultResultDto, description: 'How many it changed; ids that are not faults of the tenant are listed in `not_found`' })
  @ApiJsonBodyErrors([{ field: 'action', message: 'action must be one of the following values: resolve, unresolve, acknowledge' }], '; no ids or more than 100')
  @ApiError(409, { ...OPEN_KEY_CONFLICT_EXAMPLE, description: '`unresolve` would leave two unresolved faults with one dedup_key (nothing is changed)' })
  bulkFaultAction(@CurrentTenant() p: TenantPrincipal, @Body() body: BulkFaultActionDto): Promise<BulkFaultResultDto> {
    return this.lifecycle.bulk(p, body);
  }

  /** The 10 resources with the most faults in the last 14 days. */
  @Get('top_faults')
  @Auth({ user: ['faults:read'], dashboard: true })
  @ApiOkResponse({ type: [TopFaultDto] })
  getTopFaults(@CurrentTenant() p: TenantPrincipal): Promise<TopFaultDto[]> {
    return this.topFaults.topFaults(p.customerId);
  }

  @Get(':faultId')
  @Auth({ user: ['faults:read'], dashboard: true })
  @FaultIdParam()
  @ApiOkResponse({ type: FaultDto })
  @ApiError(404, FAULT_NOT_FOUND)
  getFaultById(@CurrentTenant() p: TenantPrincipal, @Param('faultId') faultId: string): Promise<FaultDto> {
    return this.faults.get(p.customerId, faultId);
  }

  /** Change severity, message, cause, status (`resolved` sets resolved_at, `unresolved` clears it) or acknowledge. */
  @Patch(':faultId')
  @Auth({ user: ['faults:write'] })
  @FaultIdParam()
  @ApiBody({ type: UpdateFaultDto, examples: UPDATE_FAULT_EXAMPLES })
  @ApiOkResponse({ type: FaultDto })
  @ApiJsonBodyErrors([{ field: 'status', message: 'status must be one of the following values: unresolved, resolved' }], ', or nothing to update')
  @ApiError(404, FAULT_NOT_FOUND)
  @ApiError(409, { ...OPEN_KEY_CONFLICT_EXAMPLE, description: '`status: unresolved` while another unresolved fault has the same dedup_key' })
  updateFault(@CurrentTenant() p: TenantPrincipal, @Param('faultId') faultId: string, @Body() body: UpdateFaultDto): Promise<FaultDto> {
    return this.faults.update(p, faultId, body);
  }

  @Delete(':faultId')
  @HttpCode(204)
  @Auth({ user: ['faults:delete'] })
  @FaultIdParam()
  @ApiNoContentResponse({ description: 'Deleted permanently' })
  @ApiError(404, FAULT_NOT_FOUND)
  deleteFault(@CurrentTenant() p: TenantPrincipal, @Param('faultId') faultId: string): Promise<void> {
    return this.faults.delete(p.customerId, faultId);
  }

  /** Add a comment; its author is the token's subject. Returns the fault with all comments, oldest first. */
  @Post(':faultId/comment')
  @HttpCode(201)
  @Auth({ user: ['faults:write'] })
  @FaultIdParam()
  @ApiCreatedResponse({ type: FaultDto })
  @ApiJsonBodyErrors([{ field: 'comment', message: 'comment must be shorter than or equal to 2000 characters' }])
  @ApiError(404, FAULT_NOT_FOUND)
  @ApiError(409, { description: 'The fault already carries `FAULT_MAX_COMMENTS` comments (default 100)', message: 'A fault carries at most 100 comments' })
  addFaultComment(@CurrentTenant() p: TenantPrincipal, @Param('faultId') faultId: string, @Body() body: AddFaultCommentDto): Promise<FaultDto> {
    return this.faults.addComment(p, faultId, body);
  }
}
