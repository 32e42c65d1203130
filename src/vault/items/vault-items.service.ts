import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { TenantPrincipal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { newVaultId, VAULT_ID_PATTERN } from '../../common/ids';
import { ValidationFailedException } from '../../common/validation';
import { VaultConfig } from '../../config/vault.config';
import { EventType, EventsService } from '../../events';
import { generateApiKey, hashApiKey } from '../api-key';
import { VaultAuditRepository } from '../audit/vault-audit.repository';
import { AuditActor, auditActor } from '../audit/vault-audit-actor';
import { CreatedVaultItemDto, VaultItemDto, toDeletedVaultItemDto, toVaultItemDto } from '../dto/vault-item.dto';
import { API_KEY_PREFIX, CreateVaultItemDto, ListVaultItemsQueryDto, RotateApiKeyDto, UpdateVaultItemDto } from '../dto/vault-item-input.dto';
import { VaultItem, VaultItemMetadata } from '../entities/vault-item.entity';
import { VaultSealer } from '../keys/vault-sealer';
import { ConcurrentChangeError, ValueReplacement } from '../versions/vault-version.repository';
import { ChangeHook, DuplicateNameError, VaultItemRepository } from './vault-item.repository';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
export const NOT_FOUND = 'Vault item not found';
const DEFAULT_GRACE_MINUTES = 60;

/** The rules of a tenant's items: names, values, expiry, deletion and recovery, API keys. */
@Injectable()
export class VaultItemsService {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly repo: VaultItemRepository,
    private readonly audit: VaultAuditRepository,
    private readonly sealer: VaultSealer,
    private readonly clock: Clock,
    private readonly outbox: EventsService,
    private readonly config: VaultConfig,
  ) {}

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
      Object.assign(item, await this.sealer.seal(dto.secret!, { tenant: customerId, item: item.id, version: 1 }));
    }
    const who = auditActor(principal, now);
    if (!isApiKey) Object.assign(item, { valueCreatedAt: now, valueCreatedBy: who.actor });
    try {
      await this.repo.insert(item, who, this.announce('vault.item.created'));
    } catch (error) {
      if (!(error instanceof DuplicateNameError)) throw error;
      await this.audit.record(who, { customerId, vaultId: null, itemName: dto.name, action: 'create', outcome: 'conflict' });
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
    const who = auditActor(principal, now);
    let replacement: ValueReplacement | null = null;
    if (dto.secret !== undefined) {
      // Sealed for the next version; the repository keeps the current value as a version.
      const sealed = await this.sealer.seal(dto.secret, { tenant: item.customerId, item: item.id, version: item.version + 1 });
      Object.assign(changes, sealed, { valueCreatedAt: now, valueCreatedBy: who.actor });
      replacement = { expectedVersion: item.version, maxVersions: this.config.maxVersions, action: 'update' };
    }
    return this.save(item, changes, replacement, who, dto.name);
  }

  /** Saves changes to a found item (a new value with `replacement`: the current one is kept as a version), with their audit record and event. */
  async save(item: VaultItemMetadata, changes: Partial<VaultItem>, replacement: ValueReplacement | null, who: AuditActor, name: string): Promise<VaultItemDto> {
    let version: number | null;
    try {
      version = await this.repo.update(item.customerId, item.id, changes, replacement, who, name, this.announce('vault.item.updated'));
    } catch (error) {
      if (error instanceof ConcurrentChangeError) {
        await this.audit.record(who, { customerId: item.customerId, vaultId: item.id, itemName: name, action: replacement?.action ?? 'update', outcome: 'conflict' });
        throw new ConflictException('The vault item\'s value was replaced meanwhile; read it again and retry');
      }
      if (!(error instanceof DuplicateNameError)) throw error;
      await this.audit.record(who, { customerId: item.customerId, vaultId: item.id, itemName: name, action: 'update', outcome: 'conflict' });
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
    if (!(await this.repo.delete(customerId, vaultId, auditActor(principal, now), purgeAt, this.announce('vault.item.deleted')))) throw new NotFoundException(NOT_FOUND);
  }

  /** Brings back a soft-deleted item inside its recovery window. */
  async restore(principal: TenantPrincipal, vaultId: string): Promise<VaultItemDto> {
    const customerId = principal.customerId;
    if (!VAULT_ID_PATTERN.test(vaultId)) throw new NotFoundException(NOT_FOUND);
    const restored = await this.repo.restore(customerId, vaultId, auditActor(principal, this.clock.now()), this.announce('vault.item.updated'));
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
      auditActor(principal, now),
      this.announce('vault.item.updated'),
    );
    if (rotated === null) throw new NotFoundException(NOT_FOUND);
    this.logger.log(`rotated workflow API key ${item.id} for ${item.customerId} (grace ${graceMinutes} min)`);
    return { ...toVaultItemDto(rotated), api_key: apiKey };
  }

  /** The tenant's live item, or a 404 (for a malformed id and another tenant's item alike). */
  async find(principal: TenantPrincipal, vaultId: string): Promise<VaultItemMetadata> {
    const customerId = principal.customerId;
    if (!VAULT_ID_PATTERN.test(vaultId)) throw new NotFoundException(NOT_FOUND);
    const item = await this.repo.findById(customerId, vaultId);
    if (item === null) throw new NotFoundException(NOT_FOUND);
    return item;
  }

  /** The outbox event of a change: the item's metadata DTO only — never a value, key or hash. */
  private announce(type: EventType): ChangeHook {
    return (manager, item) => this.outbox.record(manager, { type, customerId: item.customerId, subject: item.id, data: { item: toVaultItemDto(item) } }).then(() => undefined);
  }

  private futureOrNull(value: string | null | undefined, now: Date): Date | null {
    if (value === undefined || value === null) return null;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new ValidationFailedException([{ field: 'expires_at', message: 'expires_at must be a valid date-time' }]);
    if (at.getTime() <= now.getTime()) throw new ValidationFailedException([{ field: 'expires_at', message: 'expires_at must be in the future' }]);
    return at;
  }
}
