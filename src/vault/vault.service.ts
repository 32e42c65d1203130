import { BadRequestException, ConflictException, ForbiddenException, GoneException, Inject, Injectable, InternalServerErrorException, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Principal, TenantPrincipal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { VaultConfig } from '../config/vault.config';
import { newVaultId, VAULT_ID_PATTERN } from '../common/ids';
import { parsePositiveBigint } from '../common/storage-bounds';
import { ValidationFailedException } from '../common/validation';
import { EnvelopeCrypto, EnvelopeError, SealedValue, TenantKeyLookup } from '../kms/envelope';
import { EventType, EventsService } from '../events';
import { KmsKeyGate } from '../kms/kms-key-gate';
import { KMS_PROVIDER, KmsProvider, KmsProviderName } from '../kms/kms-provider.interface';
import { currentRequestId } from '../logging/request-context';
import { retryOnceOnConflict } from '../database/transient-conflict';
import { apiKeyMatches, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key';
import { ApiKeyVerificationDto, ResolvedVaultSecretsDto } from './dto/internal-vault.dto';
import { VaultEventPageDto, toVaultEventDto } from './dto/vault-event.dto';
import { CreatedVaultItemDto, VaultItemDto, toDeletedVaultItemDto, toVaultItemDto } from './dto/vault-item.dto';
import {
  API_KEY_PREFIX,
  CreateVaultItemDto,
  ListTenantVaultEventsQueryDto,
  ListVaultEventsQueryDto,
  ListVaultItemsQueryDto,
  RotateApiKeyDto,
  UpdateVaultItemDto,
} from './dto/vault-item-input.dto';
import { VaultItem, VaultItemMetadata } from './entities/vault-item.entity';
import { VaultItemVersionDto, toVaultItemVersionDto } from './dto/vault-item-version.dto';
import { sealedValue } from './sealed-value';
import { TenantKeyDestroyedError, TenantKeyStore } from './tenant-keys';
import { TenantKeyRepository } from './tenant-key.repository';
import { AuditActor, ChangeHook, ConcurrentChangeError, DuplicateNameError, ResolvedRow, SealedRow, ValueReplacement, VaultEventFilters, VaultRepository } from './vault.repository';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const NOT_FOUND = 'Vault item not found';
/** Events per query while streaming the NDJSON export: memory stays flat whatever the trail's size. */
const EXPORT_PAGE = 1000;
const DEFAULT_GRACE_MINUTES = 60;

function decodeEventCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  // An event id (bigint): anything else, a number beyond bigint included, is not a cursor this API issued.
  const decoded = parsePositiveBigint(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (decoded === undefined) throw new ValidationFailedException([{ field: 'cursor', message: 'cursor is not a cursor this API issued' }]);
  return decoded.toString();
}

function encodeEventCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The Workflows Vault rules: names, values, expiry, API keys, runner access and the audit trail. */
@Injectable()
export class VaultService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly repo: VaultRepository,
    private readonly envelope: EnvelopeCrypto,
    private readonly keys: KmsKeyGate,
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
    private readonly clock: Clock,
    private readonly outbox: EventsService,
    private readonly config: VaultConfig,
    private readonly tenantAccess: TenantAccess,
    private readonly tenantKeys: TenantKeyStore,
    private readonly tenantKeyRepo: TenantKeyRepository,
  ) {}

  /** Opens format-3 values: their tenant's key, from the bounded in-memory cache. */
  private readonly tenantKeyLookup: TenantKeyLookup = (tenant, keyId) => this.tenantKeys.forRead(tenant, keyId);

  /** Reports stored values under keys that are not active (re-wrap pending) or not available at all. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const active = this.kms.activeKey();
      // Values on tenant keys (format 3) are reached through their tenant key: the tenant keys are what a KMS key wraps.
      const groups = [
        ...(await this.repo.valuesPerKey()).map((g) => ({ ...g, what: 'stored values' })),
        ...(await this.tenantKeyRepo.keysPerKey()).map((g) => ({ ...g, what: 'tenant keys' })),
      ];
      for (const group of groups) {
        const ref = { provider: group.provider as KmsProviderName, keyId: group.keyId, keyVersion: group.keyVersion };
        if (ref.provider === active.provider && ref.keyId === active.keyId && ref.keyVersion === active.keyVersion) continue;
        if (!this.kms.canUnwrap(ref)) {
          this.logger.error(`${group.count} ${group.what} are wrapped by ${ref.provider} key ${ref.keyId} (version ${ref.keyVersion}), which is not configured: they cannot be opened until it is`);
        } else {
          this.logger.warn(`${group.count} ${group.what} are still wrapped by older key ${ref.keyId}; re-wrap them before removing it: node dist/scripts/vault-rewrap.js (in the production image; npm run vault:rewrap in a checkout)`);
        }
      }
    } catch (error) {
      this.logger.warn(`could not report stored values per key: ${(error as Error).message}`);
    }
  }

  /** The tenant's items; the plain list (the one clients poll, thousands of items) comes as JSON text from the database. */
  async list(principal: TenantPrincipal, query: ListVaultItemsQueryDto): Promise<VaultItemDto[] | string> {
    const customerId = principal.customerId;
    if (query.deleted === 'true') {
      if (query.expiring_within_days !== undefined) throw new BadRequestException('deleted=true cannot be combined with expiring_within_days');
      return (await this.repo.listDeleted(customerId)).map(toDeletedVaultItemDto);
    }
    if (query.expiring_within_days === undefined) return this.repo.listJson(customerId);
    const now = this.clock.now();
    const items = await this.repo.listExpiring(customerId, now, new Date(now.getTime() + query.expiring_within_days * DAY_MS));
    return items.map(toVaultItemDto);
  }

  async get(principal: TenantPrincipal, vaultId: string): Promise<VaultItemDto> {
    return toVaultItemDto(await this.find(principal, vaultId));
  }

  async create(principal: TenantPrincipal, dto: CreateVaultItemDto): Promise<CreatedVaultItemDto> {
    const customerId = principal.customerId;
    const now = this.clock.now();
    const isApiKey = dto.name.startsWith(API_KEY_PREFIX);
    if (dto.name === API_KEY_PREFIX) throw new ValidationFailedException([{ field: 'name', message: `name needs something after the ${API_KEY_PREFIX} prefix` }]);
    if (isApiKey && dto.secret !== undefined) {
      throw new ValidationFailedException([{ field: 'secret', message: `secret must not be given for an ${API_KEY_PREFIX} item: the service generates the key` }]);
    }
    if (!isApiKey && dto.secret === undefined) {
      throw new ValidationFailedException([{ field: 'secret', message: 'secret is required (1–2000 characters)' }]);
    }
    const item: VaultItem = {
      id: newVaultId(now),
      customerId,
      name: dto.name,
      kind: isApiKey ? 'api_key' : 'secret',
      encFormat: null,
      kmsProvider: null,
      kmsKeyId: null,
      kmsKeyVersion: null,
      wrappedKey: null,
      ciphertext: null,
      apiKeyHash: null,
      previousApiKeyHash: null,
      previousApiKeyExpiresAt: null,
      version: 1,
      valueCreatedAt: null,
      valueCreatedBy: null,
      createdAt: now,
      updatedAt: now,
      expiresAt: this.futureOrNull(dto.expires_at, now),
      lastUsedAt: null,
      deletedAt: null,
      purgeAt: null,
    };
    let apiKey: string | undefined;
    if (isApiKey) {
      apiKey = generateApiKey();
      item.apiKeyHash = hashApiKey(apiKey);
    } else {
      Object.assign(item, await this.seal(dto.secret!, customerId, item.id, 1));
    }
    const who = this.who(principal, now);
    if (!isApiKey) Object.assign(item, { valueCreatedAt: now, valueCreatedBy: who.actor });
    try {
      await this.repo.insert(item, who, this.announce('vault.item.created'));
    } catch (error) {
      if (!(error instanceof DuplicateNameError)) throw error;
      await this.repo.record(who, { customerId, vaultId: null, itemName: dto.name, action: 'create', outcome: 'conflict' });
      throw new ConflictException(`A vault item named "${dto.name}" already exists`);
    }
    this.logger.log(`created vault item ${item.id} (${item.kind}) for ${customerId}`);
    return apiKey === undefined ? toVaultItemDto(item) : { ...toVaultItemDto(item), api_key: apiKey };
  }

  async update(principal: TenantPrincipal, vaultId: string, dto: UpdateVaultItemDto): Promise<VaultItemDto> {
    const item = await this.find(principal, vaultId);
    const now = this.clock.now();
    const isApiKey = item.kind === 'api_key';
    if (isApiKey && dto.secret !== undefined) {
      throw new ValidationFailedException([{ field: 'secret', message: 'the value of a workflow API key cannot be set; create a new api-key: item instead' }]);
    }
    if (dto.name === API_KEY_PREFIX) throw new ValidationFailedException([{ field: 'name', message: `name needs something after the ${API_KEY_PREFIX} prefix` }]);
    if (dto.name.startsWith(API_KEY_PREFIX) !== isApiKey) {
      throw new ValidationFailedException([
        { field: 'name', message: isApiKey ? `a workflow API key's name must keep the ${API_KEY_PREFIX} prefix` : `an ordinary item cannot be renamed to an ${API_KEY_PREFIX} name` },
      ]);
    }
    const changes: Partial<VaultItem> = { name: dto.name, updatedAt: now };
    if (dto.expires_at !== undefined) changes.expiresAt = this.futureOrNull(dto.expires_at, now);
    const who = this.who(principal, now);
    let replacement: ValueReplacement | null = null;
    if (dto.secret !== undefined) {
      // Sealed for the next version; the repository keeps the current value as a version.
      Object.assign(changes, await this.seal(dto.secret, item.customerId, item.id, item.version + 1), { valueCreatedAt: now, valueCreatedBy: who.actor });
      replacement = { expectedVersion: item.version, maxVersions: this.config.maxVersions, action: 'update' };
    }
    return this.save(item, changes, replacement, who, dto.name);
  }

  /** The secret's versions, newest (current) first: number, when and by whom; never a value. */
  async listVersions(principal: TenantPrincipal, vaultId: string): Promise<VaultItemVersionDto[]> {
    const item = await this.find(principal, vaultId);
    const versions = await this.repo.listVersions(item.customerId, item.id);
    if (versions === null) throw new NotFoundException(NOT_FOUND);
    return versions.map(toVaultItemVersionDto);
  }

  /** A new version carrying the value of an older one (itself kept). */
  async restoreVersion(principal: TenantPrincipal, vaultId: string, versionParam: string): Promise<VaultItemDto> {
    const item = await this.find(principal, vaultId);
    if (item.kind !== 'secret') throw new BadRequestException('A workflow API key has no stored values to restore; rotate it instead');
    const version = /^[1-9]\d{0,8}$/.test(versionParam) ? Number(versionParam) : null;
    const sealed = version === null ? null : await this.repo.findSealedVersion(item.customerId, item.id, version);
    if (sealed === null) throw new NotFoundException(`Version ${versionParam} of this vault item does not exist (only the last ${this.config.maxVersions} are kept)`);
    const now = this.clock.now();
    const who = this.who(principal, now);
    await this.keys.assertUsable();
    const value = await this.openSealed(sealed, item, who, 'restore_version');
    const changes: Partial<VaultItem> = {
      name: item.name,
      updatedAt: now,
      ...(await this.seal(value, item.customerId, item.id, item.version + 1)),
      valueCreatedAt: now,
      valueCreatedBy: who.actor,
    };
    return this.save(item, changes, { expectedVersion: item.version, maxVersions: this.config.maxVersions, action: 'restore_version' }, who, item.name);
  }

  private async save(item: VaultItemMetadata, changes: Partial<VaultItem>, replacement: ValueReplacement | null, who: AuditActor, name: string): Promise<VaultItemDto> {
    let version: number | null;
    try {
      version = await this.repo.update(item.customerId, item.id, changes, replacement, who, name, this.announce('vault.item.updated'));
    } catch (error) {
      if (error instanceof ConcurrentChangeError) {
        await this.repo.record(who, { customerId: item.customerId, vaultId: item.id, itemName: name, action: replacement?.action ?? 'update', outcome: 'conflict' });
        throw new ConflictException('The vault item\'s value was replaced meanwhile; read it again and retry');
      }
      if (!(error instanceof DuplicateNameError)) throw error;
      await this.repo.record(who, { customerId: item.customerId, vaultId: item.id, itemName: name, action: 'update', outcome: 'conflict' });
      throw new ConflictException(`A vault item named "${name}" already exists`);
    }
    if (version === null) throw new NotFoundException(NOT_FOUND);
    return toVaultItemDto({ ...item, ...changes, version });
  }

  /** Permanent with VAULT_RECOVERY_DAYS=0; otherwise hidden and unusable at once, restorable until the window ends. */
  async delete(principal: TenantPrincipal, vaultId: string): Promise<void> {
    const customerId = principal.customerId;
    if (!VAULT_ID_PATTERN.test(vaultId)) throw new NotFoundException(NOT_FOUND);
    const now = this.clock.now();
    const purgeAt = this.config.recoveryDays > 0 ? new Date(now.getTime() + this.config.recoveryDays * DAY_MS) : null;
    if (!(await this.repo.delete(customerId, vaultId, this.who(principal, now), purgeAt, this.announce('vault.item.deleted')))) throw new NotFoundException(NOT_FOUND);
  }

  /** Brings back a soft-deleted item inside its recovery window. */
  async restore(principal: TenantPrincipal, vaultId: string): Promise<VaultItemDto> {
    const customerId = principal.customerId;
    if (!VAULT_ID_PATTERN.test(vaultId)) throw new NotFoundException(NOT_FOUND);
    const restored = await this.repo.restore(customerId, vaultId, this.who(principal, this.clock.now()), this.announce('vault.item.updated'));
    if (restored === 'not_deleted') throw new ConflictException('The vault item is not deleted');
    if (restored === null) throw new NotFoundException('No deleted vault item with this id is inside its recovery window');
    return toVaultItemDto(restored);
  }

  /** A new key for an `api-key:` item, returned once; the replaced key keeps verifying for the grace period. */
  async rotateApiKey(principal: TenantPrincipal, vaultId: string, dto: RotateApiKeyDto): Promise<CreatedVaultItemDto> {
    const item = await this.find(principal, vaultId);
    if (item.kind !== 'api_key') throw new BadRequestException('Only workflow API keys (api-key: items) can be rotated; replace a secret with PUT');
    const now = this.clock.now();
    const graceMinutes = dto.grace_minutes ?? DEFAULT_GRACE_MINUTES;
    const apiKey = generateApiKey();
    const rotated = await this.repo.rotateApiKey(
      item.customerId,
      item.id,
      hashApiKey(apiKey),
      graceMinutes > 0 ? new Date(now.getTime() + graceMinutes * MINUTE_MS) : null,
      this.who(principal, now),
      this.announce('vault.item.updated'),
    );
    if (rotated === null) throw new NotFoundException(NOT_FOUND);
    this.logger.log(`rotated workflow API key ${item.id} for ${item.customerId} (grace ${graceMinutes} min)`);
    return { ...toVaultItemDto(rotated), api_key: apiKey };
  }

  async events(principal: TenantPrincipal, vaultId: string, query: ListVaultEventsQueryDto): Promise<VaultEventPageDto> {
    const item = await this.find(principal, vaultId);
    const limit = query.limit ?? 50;
    const events = await this.repo.events(item.customerId, item.id, limit + 1, decodeEventCursor(query.cursor));
    const page = events.slice(0, limit);
    const next = events.length > limit ? encodeEventCursor(page[page.length - 1].id) : null;
    return { data: page.map(toVaultEventDto), next_cursor: next };
  }

  /** The tenant's whole trail, newest first, one page. */
  async tenantEvents(principal: TenantPrincipal, query: ListTenantVaultEventsQueryDto): Promise<VaultEventPageDto> {
    const customerId = principal.customerId;
    const limit = query.limit ?? 50;
    const events = await this.repo.tenantEvents(customerId, { ...this.eventFilters(query), beforeId: decodeEventCursor(query.cursor) }, limit + 1);
    const page = events.slice(0, limit);
    const next = events.length > limit ? encodeEventCursor(page[page.length - 1].id) : null;
    return { data: page.map(toVaultEventDto), next_cursor: next };
  }

  /**
   * The whole filtered trail as NDJSON lines, newest first, read page by page
   * (keyset), so memory stays flat whatever its size. The caller pulls: a slow
   * client slows the reads instead of filling memory.
   */
  exportTenantEvents(principal: TenantPrincipal, query: ListTenantVaultEventsQueryDto): AsyncGenerator<string> {
    // Validated here, before the response starts: a bad filter is still a clean 400.
    const customerId = principal.customerId;
    return this.eventLines(customerId, { ...this.eventFilters(query), beforeId: decodeEventCursor(query.cursor) });
  }

  private async *eventLines(customerId: string, filters: VaultEventFilters): AsyncGenerator<string> {
    for (;;) {
      const events = await this.repo.tenantEvents(customerId, filters, EXPORT_PAGE);
      if (events.length === 0) return;
      yield events.map((e) => `${JSON.stringify(toVaultEventDto(e))}\n`).join('');
      if (events.length < EXPORT_PAGE) return;
      filters.beforeId = events[events.length - 1].id;
    }
  }

  private eventFilters(query: ListTenantVaultEventsQueryDto): VaultEventFilters {
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) {
      throw new ValidationFailedException([{ field: 'to', message: 'to must be after from' }]);
    }
    return { vaultId: query.vault_id, action: query.action, outcome: query.outcome, from, to };
  }

  /** For the workflow runner: the values of a tenant's named items, all or nothing. */
  async resolve(principal: Principal, customerId: string, names: string[]): Promise<ResolvedVaultSecretsDto> {
    // Before the lookup: with unverified keys nothing is stamped as used or audited as resolved.
    const now = this.clock.now();
    const refusal = this.tenantAccess.refusal(principal, customerId);
    if (refusal !== null) {
      // Nothing is written for an offboarded tenant (its rows are being deleted).
      if (this.tenantAccess.isOffboarded(customerId)) throw new ForbiddenException(refusal);
      await this.repo.record(this.who(principal, now), { customerId, vaultId: null, itemName: null, action: 'resolve', outcome: 'forbidden' });
      throw new ForbiddenException(refusal);
    }
    this.tenantAccess.assertNotOffboarded(customerId);
    await this.keys.assertUsable();
    // One statement: a deadlock or serialization failure rolled it back whole (audit rows too), so it is run once more.
    const rows = await retryOnceOnConflict(() => this.repo.resolve(customerId, names, now, this.who(principal, now)));
    const byName = new Map(rows.map((r) => [r.name, r]));
    const missing = [...new Set(names)].filter((n) => !byName.has(n));
    if (missing.length > 0) throw new NotFoundException(`Vault items not found: ${missing.join(', ')}`);
    const expired = rows.filter((r) => r.expired).map((r) => r.name);
    if (expired.length > 0) throw new GoneException(`Vault items expired: ${expired.join(', ')}`);
    const apiKeys = rows.filter((r) => r.kind !== 'secret').map((r) => r.name);
    if (apiKeys.length > 0) throw new BadRequestException(`Workflow API keys have no value to resolve: ${apiKeys.join(', ')}`);
    const secrets: Record<string, string> = {};
    const versions: Record<string, number> = {};
    await Promise.all(
      rows.map(async (row) => {
        secrets[row.name] = await this.open(row, customerId, principal, now);
        versions[row.name] = row.version;
      }),
    );
    return { customer_id: customerId, secrets, versions };
  }

  /** For services receiving a workflow API key: whose is it, and is it still good. */
  async verifyApiKey(principal: Principal, apiKey: string): Promise<ApiKeyVerificationDto> {
    this.tenantAccess.assertScoped(principal);
    const now = this.clock.now();
    const who = this.who(principal, now);
    const invalid: ApiKeyVerificationDto = { valid: false, vault_id: null, customer_id: null };
    if (!isWellFormedApiKey(apiKey)) {
      await this.repo.record(who, { customerId: null, vaultId: null, itemName: null, action: 'verify', outcome: 'invalid' });
      return invalid;
    }
    const row = await this.repo.verifyApiKey(hashApiKey(apiKey), now, who, this.tenantAccess.visibleTenants(principal));
    if (row === undefined || row.expired || !apiKeyMatches(apiKey, row.apiKeyHash) || this.tenantAccess.isOffboarded(row.customerId)) return invalid;
    return { valid: true, vault_id: row.id, customer_id: row.customerId };
  }

  /** The outbox event of a change: the item's metadata DTO only — never a value, key or hash. */
  private announce(type: EventType): ChangeHook {
    return (manager, item) => this.outbox.record(manager, { type, customerId: item.customerId, subject: item.id, data: { item: toVaultItemDto(item) } }).then(() => undefined);
  }

  private async find(principal: TenantPrincipal, vaultId: string): Promise<VaultItemMetadata> {
    const customerId = principal.customerId;
    if (!VAULT_ID_PATTERN.test(vaultId)) throw new NotFoundException(NOT_FOUND);
    const item = await this.repo.findById(customerId, vaultId);
    if (item === null) throw new NotFoundException(NOT_FOUND);
    return item;
  }

  private futureOrNull(value: string | null | undefined, now: Date): Date | null {
    if (value === undefined || value === null) return null;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new ValidationFailedException([{ field: 'expires_at', message: 'expires_at must be a valid date-time' }]);
    if (at.getTime() <= now.getTime()) throw new ValidationFailedException([{ field: 'expires_at', message: 'expires_at must be in the future' }]);
    return at;
  }

  /** Seals a new value under the tenant's key (format 3; created on the tenant's first write), or per value (format 2) with VAULT_TENANT_KEYS=false. */
  private async seal(secret: string, customerId: string, id: string, version: number): Promise<Partial<VaultItem>> {
    await this.keys.assertUsable();
    let sealed: SealedValue;
    try {
      sealed = !this.config.tenantKeys
        ? await this.envelope.seal(secret, { tenant: customerId, item: id, version })
        : this.envelope.sealWithTenantKey(secret, { tenant: customerId, item: id, version }, await this.tenantKeys.forWrite(customerId));
    } catch (error) {
      if (error instanceof TenantKeyDestroyedError) throw new NotFoundException('This tenant has been offboarded');
      throw error;
    }
    return {
      encFormat: sealed.formatVersion,
      kmsProvider: sealed.wrappedKey.provider,
      kmsKeyId: sealed.wrappedKey.keyId,
      kmsKeyVersion: sealed.wrappedKey.keyVersion,
      wrappedKey: sealed.wrappedKey.ciphertext,
      ciphertext: sealed.ciphertext,
    };
  }

  private async open(row: ResolvedRow, customerId: string, principal: Principal, now: Date): Promise<string> {
    const sealed = sealedValue(row.encFormat ?? -1, row.kmsProvider ?? '', row.kmsKeyId ?? '', row.kmsKeyVersion ?? '', row.wrappedKey ?? Buffer.alloc(0), row.ciphertext ?? Buffer.alloc(0));
    try {
      return await this.envelope.open(sealed, { tenant: customerId, item: row.id, version: row.version }, this.tenantKeyLookup);
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.logger.error(`vault item ${row.id} does not open: ${error.message}`);
      await this.repo.record(this.who(principal, now), { customerId, vaultId: row.id, itemName: row.name, action: 'resolve', outcome: 'error' });
      throw new InternalServerErrorException(`Vault item ${row.name} could not be decrypted; the incident is logged with this request id`);
    }
  }

  private async openSealed(row: SealedRow, item: VaultItemMetadata, who: AuditActor, action: 'restore_version'): Promise<string> {
    const sealed = sealedValue(row.encFormat, row.kmsProvider, row.kmsKeyId, row.kmsKeyVersion, row.wrappedKey, row.ciphertext);
    try {
      return await this.envelope.open(sealed, { tenant: item.customerId, item: item.id, version: row.version }, this.tenantKeyLookup);
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.logger.error(`vault item ${item.id} version ${row.version} does not open: ${error.message}`);
      await this.repo.record(who, { customerId: item.customerId, vaultId: item.id, itemName: item.name, action, outcome: 'error' });
      throw new InternalServerErrorException(`Version ${row.version} of vault item ${item.name} could not be decrypted; the incident is logged with this request id`);
    }
  }

  private who(principal: Principal, at: Date): AuditActor {
    return { actor: `${principal.kind}:${principal.subject}`.slice(0, 300), requestId: currentRequestId() ?? null, at };
  }
}
