import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtension, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Auth, CurrentTenant } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors, ApiValidationError } from '../common/api-error-responses';
import { NoStore } from '../common/cache-control';
import { boundedReadable } from '../common/bounded-readable';
import { VaultEventPageDto } from './dto/vault-event.dto';
import {
  API_KEY_HAS_NO_VERSIONS,
  CREATE_VAULT_ITEM_EXAMPLES,
  DELETED_ITEM_NOT_FOUND,
  ITEM_NOT_DELETED,
  NAME_TAKEN,
  ROTATE_API_KEY_EXAMPLES,
  UPDATE_VAULT_ITEM_EXAMPLES,
  VALUE_REPLACED,
  VAULT_ITEM_EXAMPLE_LINKS,
  VAULT_ITEM_LINKS,
  VAULT_ITEM_NOT_FOUND,
  VERSION_NOT_FOUND,
} from './dto/vault-examples';
import { CreatedVaultItemDto, DeletedVaultItemDto, VaultItemDto } from './dto/vault-item.dto';
import { VaultItemVersionDto } from './dto/vault-item-version.dto';
import { CreateVaultItemDto, ListTenantVaultEventsQueryDto, ListVaultEventsQueryDto, ListVaultItemsQueryDto, RotateApiKeyDto, UpdateVaultItemDto } from './dto/vault-item-input.dto';
import { VaultAuditService } from './audit/vault-audit.service';
import { VaultItemsService } from './items/vault-items.service';
import { VaultVersionsService } from './versions/vault-versions.service';

const NDJSON = 'application/x-ndjson';

/** The tenant's vault: metadata only — values go in, never come back out. */
const VaultIdParam = (): MethodDecorator => ApiParam({ name: 'vaultId', description: 'A vault item `id` (`vlt_…`), e.g. from createVaultItem or listVaultItems' });
const INVALID_EXPIRY = [{ field: 'expires_at', message: 'expires_at must be in the future' }];

@ApiTags('vault')
@ApiExtraModels(DeletedVaultItemDto)
@ApiDatabaseUnavailable(', or (writes) the KMS key failed its startup check')
@Controller('workflows/vault')
export class VaultController {
  constructor(
    private readonly vault: VaultItemsService,
    private readonly versions: VaultVersionsService,
    private readonly audit: VaultAuditService,
  ) {}

  /**
   * All of the tenant's items, newest first; with `expiring_within_days`, those about to expire, soonest first;
   * with `deleted=true`, the deleted items still restorable, with `deleted_at` and `purge_at`.
   */
  @Get()
  @Auth({ user: ['vault:read'] })
  @ApiOkResponse({ schema: { type: 'array', items: { oneOf: [{ $ref: getSchemaPath(VaultItemDto) }, { $ref: getSchemaPath(DeletedVaultItemDto) }] } } })
  @ApiValidationError('Invalid query parameter', [{ field: 'expiring_within_days', message: 'expiring_within_days must not be greater than 3650' }])
  async listVaultItems(
    @CurrentTenant() principal: TenantPrincipal,
    @Query() query: ListVaultItemsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VaultItemDto[] | string> {
    const items = await this.vault.list(principal, query);
    // Already JSON text (built by the database): sent as it is, typed as JSON.
    if (typeof items === 'string') void reply.type('application/json; charset=utf-8');
    return items;
  }

  /** Stores a secret, or generates a workflow API key (name `api-key:…`), returned once as `api_key`. */
  @Post()
  @NoStore()
  @Auth({ user: ['vault:write'] })
  @ApiBody({ type: CreateVaultItemDto, examples: CREATE_VAULT_ITEM_EXAMPLES })
  @ApiCreatedResponse({ type: CreatedVaultItemDto, links: { ...VAULT_ITEM_LINKS, ...VAULT_ITEM_EXAMPLE_LINKS } })
  @ApiJsonBodyErrors(INVALID_EXPIRY, '; a `secret` for an `api-key:` item, or none for an ordinary one')
  @ApiError(409, NAME_TAKEN)
  createVaultItem(@CurrentTenant() principal: TenantPrincipal, @Body() body: CreateVaultItemDto): Promise<CreatedVaultItemDto> {
    return this.vault.create(principal, body);
  }

  /**
   * The tenant's whole audit trail, newest first, cursor paged, filtered. With
   * `Accept: application/x-ndjson` the whole filtered trail streams as one JSON event per line.
   */
  @Get('events')
  @Auth({ user: ['vault:read'] })
  @ApiProduces('application/json', NDJSON)
  @ApiOkResponse({ type: VaultEventPageDto })
  @ApiValidationError('Invalid filter or cursor', [{ field: 'vault_id', message: 'vault_id must be a vault item id (vlt_…)' }])
  listTenantVaultEvents(
    @CurrentTenant() principal: TenantPrincipal,
    @Query() query: ListTenantVaultEventsQueryDto,
    @Headers('accept') accept: string | undefined,
  ): Promise<VaultEventPageDto> | StreamableFile {
    if (accept?.toLowerCase().includes(NDJSON)) return new StreamableFile(boundedReadable(this.audit.exportTenantEvents(principal, query)), { type: NDJSON });
    return this.audit.tenantEvents(principal, query);
  }

  @Get(':vaultId')
  @Auth({ user: ['vault:read'] })
  @VaultIdParam()
  @ApiOkResponse({ type: VaultItemDto })
  @ApiError(404, VAULT_ITEM_NOT_FOUND)
  getVaultItem(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string): Promise<VaultItemDto> {
    return this.vault.get(principal, vaultId);
  }

  /** Renames, replaces the value (omit `secret` to keep it) or changes the expiry (`null` clears it). */
  @Put(':vaultId')
  @Auth({ user: ['vault:write'] })
  @VaultIdParam()
  @ApiBody({ type: UpdateVaultItemDto, examples: UPDATE_VAULT_ITEM_EXAMPLES })
  @ApiOkResponse({ type: VaultItemDto })
  @ApiJsonBodyErrors(INVALID_EXPIRY, '; a `secret` for an `api-key:` item')
  @ApiError(404, VAULT_ITEM_NOT_FOUND)
  @ApiError(409, NAME_TAKEN)
  updateVaultItem(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string, @Body() body: UpdateVaultItemDto): Promise<VaultItemDto> {
    return this.vault.update(principal, vaultId, body);
  }

  /** Deletes permanently; workflows using it fail from then on. */
  @Delete(':vaultId')
  @HttpCode(204)
  @Auth({ user: ['vault:write'] })
  @VaultIdParam()
  @ApiNoContentResponse({ description: 'Deleted permanently' })
  @ApiError(404, VAULT_ITEM_NOT_FOUND)
  deleteVaultItem(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string): Promise<void> {
    return this.vault.delete(principal, vaultId);
  }

  /** The secret's kept versions, newest (current) first; never a value. */
  @Get(':vaultId/versions')
  @Auth({ user: ['vault:read'] })
  @VaultIdParam()
  @ApiOkResponse({ type: [VaultItemVersionDto] })
  @ApiError(404, VAULT_ITEM_NOT_FOUND)
  listVaultItemVersions(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string): Promise<VaultItemVersionDto[]> {
    return this.versions.listVersions(principal, vaultId);
  }

  /** Makes an older version's value current again, as a new version (the history is kept). */
  @Post(':vaultId/versions/:version/restore')
  @HttpCode(200)
  @Auth({ user: ['vault:write'] })
  @VaultIdParam()
  @ApiParam({ name: 'version', description: 'A kept version number, e.g. from listVaultItemVersions', example: 1 })
  @ApiOkResponse({ type: VaultItemDto })
  @ApiError(400, API_KEY_HAS_NO_VERSIONS)
  @ApiError(404, VERSION_NOT_FOUND)
  @ApiError(409, VALUE_REPLACED)
  restoreVaultItemVersion(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string, @Param('version') version: string): Promise<VaultItemDto> {
    return this.versions.restoreVersion(principal, vaultId, version);
  }

  /** Brings back a deleted item inside its recovery window; its name was kept for it. Needs VAULT_RECOVERY_DAYS > 0 (with the default 0 a delete is permanent and this answers 404). */
  @Post(':vaultId/restore')
  @HttpCode(200)
  @Auth({ user: ['vault:write'] })
  @VaultIdParam()
  @ApiExtension('x-try-after', ['deleteVaultItem'])
  @ApiOkResponse({ type: VaultItemDto })
  @ApiError(404, DELETED_ITEM_NOT_FOUND)
  @ApiError(409, ITEM_NOT_DELETED)
  restoreVaultItem(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string): Promise<VaultItemDto> {
    return this.vault.restore(principal, vaultId);
  }

  /** A new key for an `api-key:` item, returned once as `api_key`; the replaced key keeps verifying for `grace_minutes`. */
  @Post(':vaultId/rotate-key')
  @HttpCode(200)
  @NoStore()
  @Auth({ user: ['vault:write'] })
  @VaultIdParam()
  @ApiBody({ type: RotateApiKeyDto, examples: ROTATE_API_KEY_EXAMPLES })
  @ApiOkResponse({ type: CreatedVaultItemDto })
  @ApiJsonBodyErrors([{ field: 'grace_minutes', message: 'grace_minutes must not be greater than 1440' }], '; the item is not an `api-key:` item')
  @ApiError(404, VAULT_ITEM_NOT_FOUND)
  rotateVaultApiKey(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string, @Body() body: RotateApiKeyDto): Promise<CreatedVaultItemDto> {
    return this.vault.rotateApiKey(principal, vaultId, body);
  }

  /** The item's audit trail, newest first. */
  @Get(':vaultId/events')
  @Auth({ user: ['vault:read'] })
  @VaultIdParam()
  @ApiOkResponse({ type: VaultEventPageDto })
  @ApiValidationError('Invalid query parameter or cursor', [{ field: 'limit', message: 'limit must not be greater than 100' }])
  @ApiError(404, VAULT_ITEM_NOT_FOUND)
  listVaultItemEvents(@CurrentTenant() principal: TenantPrincipal, @Param('vaultId') vaultId: string, @Query() query: ListVaultEventsQueryDto): Promise<VaultEventPageDto> {
    return this.audit.events(principal, vaultId, query);
  }
}
