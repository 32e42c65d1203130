import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../common/error-response.dto';
import { VaultEventPageDto } from './dto/vault-event.dto';
import { CreatedVaultItemDto, VaultItemDto } from './dto/vault-item.dto';
import { CreateVaultItemDto, ListVaultEventsQueryDto, ListVaultItemsQueryDto, UpdateVaultItemDto } from './dto/vault-item-input.dto';
import { VaultService } from './vault.service';

/** The tenant's vault: metadata only — values go in, never come back out. */
@ApiTags('vault')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('workflows/vault')
export class VaultController {
  constructor(private readonly vault: VaultService) {}

  /** All of the tenant's items, newest first; with `expiring_within_days`, those about to expire, soonest first. */
  @Get()
  @Auth({ user: ['vault:read'] })
  @ApiOkResponse({ type: [VaultItemDto] })
  listVaultItems(@CurrentPrincipal() principal: Principal, @Query() query: ListVaultItemsQueryDto): Promise<VaultItemDto[]> {
    return this.vault.list(principal, query);
  }

  /** Stores a secret, or generates a workflow API key (name `api-key:…`), returned once as `api_key`. */
  @Post()
  @Auth({ user: ['vault:write'] })
  @ApiCreatedResponse({ type: CreatedVaultItemDto })
  @ApiConflictResponse({ description: 'The name is taken', type: ErrorResponseDto })
  createVaultItem(@CurrentPrincipal() principal: Principal, @Body() body: CreateVaultItemDto): Promise<CreatedVaultItemDto> {
    return this.vault.create(principal, body);
  }

  @Get(':vaultId')
  @Auth({ user: ['vault:read'] })
  @ApiOkResponse({ type: VaultItemDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getVaultItem(@CurrentPrincipal() principal: Principal, @Param('vaultId') vaultId: string): Promise<VaultItemDto> {
    return this.vault.get(principal, vaultId);
  }

  /** Renames, replaces the value (omit `secret` to keep it) or changes the expiry (`null` clears it). */
  @Put(':vaultId')
  @Auth({ user: ['vault:write'] })
  @ApiOkResponse({ type: VaultItemDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The name is taken', type: ErrorResponseDto })
  updateVaultItem(@CurrentPrincipal() principal: Principal, @Param('vaultId') vaultId: string, @Body() body: UpdateVaultItemDto): Promise<VaultItemDto> {
    return this.vault.update(principal, vaultId, body);
  }

  /** Deletes permanently; workflows using it fail from then on. */
  @Delete(':vaultId')
  @HttpCode(204)
  @Auth({ user: ['vault:write'] })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  deleteVaultItem(@CurrentPrincipal() principal: Principal, @Param('vaultId') vaultId: string): Promise<void> {
    return this.vault.delete(principal, vaultId);
  }

  /** The item's audit trail, newest first. */
  @Get(':vaultId/events')
  @Auth({ user: ['vault:read'] })
  @ApiOkResponse({ type: VaultEventPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  listVaultItemEvents(@CurrentPrincipal() principal: Principal, @Param('vaultId') vaultId: string, @Query() query: ListVaultEventsQueryDto): Promise<VaultEventPageDto> {
    return this.vault.events(principal, vaultId, query);
  }
}
