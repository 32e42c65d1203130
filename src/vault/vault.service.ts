import { BadRequestException, ConflictException, GoneException, Inject, Injectable, InternalServerErrorException, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../auth/clock';
import { Principal } from '../auth/principal';
import { newVaultId, VAULT_ID_PATTERN } from '../common/ids';
import { ValidationFailedException } from '../common/validation';
import { EnvelopeCrypto, EnvelopeError, SealedValue } from '../kms/envelope';
import { KmsKeyGate } from '../kms/kms.module';
import { KMS_PROVIDER, KmsProvider, KmsProviderName } from '../kms/kms-provider.interface';
import { currentRequestId } from '../logging/request-context';
import { apiKeyMatches, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key';
import { ApiKeyVerificationDto, ResolvedVaultSecretsDto } from './dto/internal-vault.dto';
import { VaultEventPageDto, toVaultEventDto } from './dto/vault-event.dto';
import { CreatedVaultItemDto, VaultItemDto, toVaultItemDto } from './dto/vault-item.dto';
import { API_KEY_PREFIX, CreateVaultItemDto, ListVaultEventsQueryDto, ListVaultItemsQueryDto, UpdateVaultItemDto } from './dto/vault-item-input.dto';
import { VaultItem, VaultItemMetadata } from './entities/vault-item.entity';
import { AuditActor, DuplicateNameError, ResolvedRow, VaultRepository } from './vault.repository';

const DAY_MS = 86_400_000;
const NOT_FOUND = 'Vault item not found';

function tenantOf(principal: Principal): string {
  if (principal.customerId === null) throw new NotFoundException(NOT_FOUND);
  return principal.customerId;
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
  ) {}

  /** Reports stored values under keys that are not active (re-wrap pending) or not available at all. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const active = this.kms.activeKey();
      for (const group of await this.repo.valuesPerKey()) {
        const ref = { provider: group.provider as KmsProviderName, keyId: group.keyId, keyVersion: group.keyVersion };
        if (ref.provider === active.provider && ref.keyId === active.keyId && ref.keyVersion === active.keyVersion) continue;
        if (!this.kms.canUnwrap(ref)) {
          this.logger.error(`${group.count} stored values are wrapped by ${ref.provider} key ${ref.keyId} (version ${ref.keyVersion}), which is not configured: they cannot be opened until it is`);
        } else {
          this.logger.warn(`${group.count} stored values are still wrapped by older key ${ref.keyId}; run npm run vault:rewrap before removing it`);
        }
      }
    } catch (error) {
      this.logger.warn(`could not report stored values per key: ${(error as Error).message}`);
    }
  }

  async list(principal: Principal, query: ListVaultItemsQueryDto): Promise<VaultItemDto[]> {
    const customerId = tenantOf(principal);
    if (query.expiring_within_days === undefined) return (await this.repo.list(customerId)).map(toVaultItemDto);
    const now = this.clock.now();
    const items = await this.repo.listExpiring(customerId, now, new Date(now.getTime() + query.expiring_within_days * DAY_MS));
    return items.map(toVaultItemDto);
  }

  async get(principal: Principal, vaultId: string): Promise<VaultItemDto> {
    return toVaultItemDto(await this.find(principal, vaultId));
  }

  async create(principal: Principal, dto: CreateVaultItemDto): Promise<CreatedVaultItemDto> {
    const customerId = tenantOf(principal);
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
      createdAt: now,
      updatedAt: now,
      expiresAt: this.futureOrNull(dto.expires_at, now),
      lastUsedAt: null,
    };
    let apiKey: string | undefined;
    if (isApiKey) {
      apiKey = generateApiKey();
      item.apiKeyHash = hashApiKey(apiKey);
    } else {
      Object.assign(item, await this.seal(dto.secret!, customerId, item.id));
    }
    const who = this.who(principal, now);
    try {
      await this.repo.insert(item, who);
    } catch (error) {
      if (!(error instanceof DuplicateNameError)) throw error;
      await this.repo.record(who, { customerId, vaultId: null, itemName: dto.name, action: 'create', outcome: 'conflict' });
      throw new ConflictException(`A vault item named "${dto.name}" already exists`);
    }
    this.logger.log(`created vault item ${item.id} (${item.kind}) for ${customerId}`);
    return apiKey === undefined ? toVaultItemDto(item) : { ...toVaultItemDto(item), api_key: apiKey };
  }

  async update(principal: Principal, vaultId: string, dto: UpdateVaultItemDto): Promise<VaultItemDto> {
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
    if (dto.secret !== undefined) Object.assign(changes, await this.seal(dto.secret, item.customerId, item.id));
    const who = this.who(principal, now);
    let updated: boolean;
    try {
      updated = await this.repo.update(item.customerId, item.id, changes, who, dto.name);
    } catch (error) {
      if (!(error instanceof DuplicateNameError)) throw error;
      await this.repo.record(who, { customerId: item.customerId, vaultId: item.id, itemName: dto.name, action: 'update', outcome: 'conflict' });
      throw new ConflictException(`A vault item named "${dto.name}" already exists`);
    }
    if (!updated) throw new NotFoundException(NOT_FOUND);
    return toVaultItemDto({ ...item, ...changes });
  }

  async delete(principal: Principal, vaultId: string): Promise<void> {
    const customerId = tenantOf(principal);
    if (!VAULT_ID_PATTERN.test(vaultId)) throw new NotFoundException(NOT_FOUND);
    if (!(await this.repo.delete(customerId, vaultId, this.who(principal, this.clock.now())))) throw new NotFoundException(NOT_FOUND);
  }

  async events(principal: Principal, vaultId: string, query: ListVaultEventsQueryDto): Promise<VaultEventPageDto> {
    const item = await this.find(principal, vaultId);
    const limit = query.limit ?? 50;
    let before: string | undefined;
    if (query.cursor !== undefined) {
      const decoded = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (!/^[1-9]\d{0,18}$/.test(decoded)) throw new BadRequestException('cursor is not a cursor this API issued');
      before = decoded;
    }
    const events = await this.repo.events(item.customerId, item.id, limit + 1, before);
    const page = events.slice(0, limit);
    const next = events.length > limit ? Buffer.from(page[page.length - 1].id, 'utf8').toString('base64url') : null;
    return { data: page.map(toVaultEventDto), next_cursor: next };
  }

  /** For the workflow runner: the values of a tenant's named items, all or nothing. */
  async resolve(principal: Principal, customerId: string, names: string[]): Promise<ResolvedVaultSecretsDto> {
    // Before the lookup: with unverified keys nothing is stamped as used or audited as resolved.
    await this.keys.assertUsable();
    const now = this.clock.now();
    const rows = await this.repo.resolve(customerId, names, now, this.who(principal, now));
    const byName = new Map(rows.map((r) => [r.name, r]));
    const missing = [...new Set(names)].filter((n) => !byName.has(n));
    if (missing.length > 0) throw new NotFoundException(`Vault items not found: ${missing.join(', ')}`);
    const expired = rows.filter((r) => r.expired).map((r) => r.name);
    if (expired.length > 0) throw new GoneException(`Vault items expired: ${expired.join(', ')}`);
    const apiKeys = rows.filter((r) => r.kind !== 'secret').map((r) => r.name);
    if (apiKeys.length > 0) throw new BadRequestException(`Workflow API keys have no value to resolve: ${apiKeys.join(', ')}`);
    const secrets: Record<string, string> = {};
    await Promise.all(
      rows.map(async (row) => {
        secrets[row.name] = await this.open(row, customerId, principal, now);
      }),
    );
    return { customer_id: customerId, secrets };
  }

  /** For services receiving a workflow API key: whose is it, and is it still good. */
  async verifyApiKey(principal: Principal, apiKey: string): Promise<ApiKeyVerificationDto> {
    const now = this.clock.now();
    const who = this.who(principal, now);
    const invalid: ApiKeyVerificationDto = { valid: false, vault_id: null, customer_id: null };
    if (!isWellFormedApiKey(apiKey)) {
      await this.repo.record(who, { customerId: null, vaultId: null, itemName: null, action: 'verify', outcome: 'invalid' });
      return invalid;
    }
    const row = await this.repo.verifyApiKey(hashApiKey(apiKey), now, who);
    if (row === undefined || row.expired || !apiKeyMatches(apiKey, row.apiKeyHash)) return invalid;
    return { valid: true, vault_id: row.id, customer_id: row.customerId };
  }

  private async find(principal: Principal, vaultId: string): Promise<VaultItemMetadata> {
    const customerId = tenantOf(principal);
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

  private async seal(secret: string, customerId: string, id: string): Promise<Partial<VaultItem>> {
    await this.keys.assertUsable();
    const sealed = await this.envelope.seal(secret, { tenant: customerId, item: id });
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
    const sealed: SealedValue = {
      formatVersion: row.encFormat ?? -1,
      wrappedKey: { provider: row.kmsProvider as KmsProviderName, keyId: row.kmsKeyId ?? '', keyVersion: row.kmsKeyVersion ?? '', ciphertext: row.wrappedKey ?? Buffer.alloc(0) },
      ciphertext: row.ciphertext ?? Buffer.alloc(0),
    };
    try {
      return await this.envelope.open(sealed, { tenant: customerId, item: row.id });
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.logger.error(`vault item ${row.id} does not open: ${error.message}`);
      await this.repo.record(this.who(principal, now), { customerId, vaultId: row.id, itemName: row.name, action: 'resolve', outcome: 'error' });
      throw new InternalServerErrorException(`Vault item ${row.name} could not be decrypted; the incident is logged with this request id`);
    }
  }

  private who(principal: Principal, at: Date): AuditActor {
    return { actor: `${principal.kind}:${principal.subject}`.slice(0, 300), requestId: currentRequestId() ?? null, at };
  }
}
