import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Auth, CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../common/error-response.dto';
import { AddFaultCommentDto, CreateFaultDto, ListFaultsQueryDto, UpdateFaultDto } from './dto/fault-input.dto';
import { FaultDto, FaultListDto } from './dto/fault.dto';
import { TopFaultDto } from './dto/top-fault.dto';
import { FaultService } from './fault.service';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
}

@ApiTags('faults')
@Controller('fault')
export class FaultController {
  constructor(private readonly faults: FaultService) {}

  /** List the tenant's faults, newest first, one page at a time. */
  @Get()
  @Auth({ user: ['faults:read'], dashboard: true })
  @ApiOkResponse({ type: FaultListDto })
  listFaults(@CurrentPrincipal() p: Principal, @Query() query: ListFaultsQueryDto): Promise<FaultListDto> {
    return this.faults.list(p.customerId!, query);
  }

  /** Report a fault. Users create in their tenant; services (`faults:ingest`) name it in `customer_id`. */
  @Post()
  @HttpCode(201)
  @Auth({ user: ['faults:write'], service: ['faults:ingest'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeat within 24 h with the same body → the first response; another body → 422' })
  @ApiCreatedResponse({ type: FaultDto })
  @ApiUnprocessableEntityResponse({ description: 'Idempotency-Key reused with another body', type: ErrorResponseDto })
  async createFault(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateFaultDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: Reply,
  ): Promise<FaultDto> {
    const result = await this.faults.create(p, body, idempotencyKey);
    reply.status(result.status);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  /** The 10 resources with the most faults in the last 14 days. */
  @Get('top_faults')
  @Auth({ user: ['faults:read'], dashboard: true })
  @ApiOkResponse({ type: [TopFaultDto] })
  getTopFaults(@CurrentPrincipal() p: Principal): Promise<TopFaultDto[]> {
    return this.faults.topFaults(p.customerId!);
  }

  @Get(':faultId')
  @Auth({ user: ['faults:read'], dashboard: true })
  @ApiOkResponse({ type: FaultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getFault(@CurrentPrincipal() p: Principal, @Param('faultId') faultId: string): Promise<FaultDto> {
    return this.faults.get(p.customerId!, faultId);
  }

  /** Change severity, message, cause or status (`resolved` sets resolved_at, `unresolved` clears it). */
  @Patch(':faultId')
  @Auth({ user: ['faults:write'] })
  @ApiOkResponse({ type: FaultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  updateFault(@CurrentPrincipal() p: Principal, @Param('faultId') faultId: string, @Body() body: UpdateFaultDto): Promise<FaultDto> {
    return this.faults.update(p.customerId!, faultId, body);
  }

  @Delete(':faultId')
  @HttpCode(204)
  @Auth({ user: ['faults:delete'] })
  @ApiNoContentResponse({ description: 'Deleted permanently' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  deleteFault(@CurrentPrincipal() p: Principal, @Param('faultId') faultId: string): Promise<void> {
    return this.faults.delete(p.customerId!, faultId);
  }

  /** Add a comment; its author is the token's subject. Returns the fault with all comments, oldest first. */
  @Post(':faultId/comment')
  @HttpCode(201)
  @Auth({ user: ['faults:write'] })
  @ApiCreatedResponse({ type: FaultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  addFaultComment(@CurrentPrincipal() p: Principal, @Param('faultId') faultId: string, @Body() body: AddFaultCommentDto): Promise<FaultDto> {
    return this.faults.addComment(p, faultId, body);
  }
}
