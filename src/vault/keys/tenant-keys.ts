import { randomBytes } from 'node:crypto';
import { toBase62 } from '../../common/base62';
import { EnvelopeError, TenantKeyMaterial } from '../../kms/envelope';
import { KeyContext, KmsKeyError, KmsProvider } from '../../kms/kms-provider.interface';
import { StoredTenantKey, TenantKeyRepository } from './tenant-key.repository';

/** The KMS context a tenant key is wrapped under: its tenant, and the key's own id. */
export function tenantKeyContext(customerId: string, keyId: string): KeyContext {
  return { tenant: customerId, item: `tenant-key:${keyId}` };
}

/** The tenant's key was destroyed (offboarding): nothing of the tenant opens or can be written any more. */
export class TenantKeyDestroyedError extends EnvelopeError {
  constructor(keyId?: string) {
    super('the tenant key has been destroyed (tenant offboarded)', keyId);
    this.name = 'TenantKeyDestroyedError';
  }
}

export interface TenantKeyCacheOptions {
  /** How long an unwrapped key stays in memory after it was unwrapped. */
  ttlMs: number;
  /** At most this many tenants' keys in memory; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

interface Entry extends TenantKeyMaterial {
  expiresAt: number;
}

/**
 * The tenant keys, unwrapped on demand and kept in memory briefly and bounded: a resolve of many
 * values calls the KMS provider once per tenant (concurrent loads of one tenant share one call),
 * not once per value. Evicted, expired and dropped keys are zeroed.
 */
export class TenantKeyStore {
  private readonly cache = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Bumped per tenant by drop(): a load that started before a drop must not refill the cache. */
  private readonly generation = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly repo: TenantKeyRepository,
    private readonly kms: KmsProvider,
    private readonly options: TenantKeyCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The tenant's key for a new value, created on the tenant's first write (race-safe: one key per tenant). */
  async forWrite(customerId: string): Promise<TenantKeyMaterial> {
    const cached = this.cached(customerId);
    if (cached !== undefined) return cached;
    return this.load(customerId, true);
  }

  /** The tenant's key `keyId` for opening a value; EnvelopeError when it is not the tenant's key or was destroyed. */
  async forRead(customerId: string, keyId: string): Promise<TenantKeyMaterial> {
    const entry = this.cached(customerId) ?? (await this.load(customerId, false));
    if (entry.keyId !== keyId) throw new EnvelopeError(`tenant key ${keyId} is not the key of this tenant`, keyId);
    return entry;
  }

  /** Forgets (and zeroes) the tenant's unwrapped key at once. */
  drop(customerId: string): void {
    this.generation.set(customerId, (this.generation.get(customerId) ?? 0) + 1);
    const entry = this.cache.get(customerId);
    if (entry !== undefined) entry.material.fill(0);
    this.cache.delete(customerId);
  }

  clear(): void {
    for (const customerId of [...this.cache.keys()]) this.drop(customerId);
  }

  /** Zeroes the keys whose time is up (the oldest entries come first). */
  sweep(): void {
    const now = this.now();
    for (const [customerId, entry] of this.cache) {
      if (entry.expiresAt > now) break;
      entry.material.fill(0);
      this.cache.delete(customerId);
    }
  }

  get size(): number {
    return this.cache.size;
  }

  private cached(customerId: string): Entry | undefined {
    this.sweep();
    return this.cache.get(customerId);
  }

  private load(customerId: string, create: boolean): Promise<Entry> {
    const key = `${create ? 'w' : 'r'}:${customerId}`;
    let pending = this.loading.get(key);
    if (pending === undefined) {
      pending = this.unwrap(customerId, create).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async unwrap(customerId: string, create: boolean): Promise<Entry> {
    const generation = this.generation.get(customerId) ?? 0;
    let stored = await this.repo.find(customerId);
    if (stored === null) {
      if (!create) throw new EnvelopeError('this tenant has no tenant key');
      stored = await this.create(customerId);
    }
    if (stored.wrapped === null) throw new TenantKeyDestroyedError(stored.keyId);
    let material: Buffer;
    try {
      material = await this.kms.unwrapKey(stored.wrapped, tenantKeyContext(customerId, stored.keyId));
    } catch (error) {
      if (error instanceof KmsKeyError) throw new EnvelopeError(`tenant key ${stored.keyId} does not unwrap: ${error.message}`, error.keyId);
      throw error;
    }
    const entry: Entry = { keyId: stored.keyId, material, expiresAt: this.now() + this.options.ttlMs };
    if ((this.generation.get(customerId) ?? 0) !== generation) {
      // Dropped (offboarded) while we were unwrapping: do not keep it.
      const copy = { ...entry, material: Buffer.from(material) };
      material.fill(0);
      return copy;
    }
    this.cache.get(customerId)?.material.fill(0);
    this.cache.delete(customerId);
    this.cache.set(customerId, entry);
    while (this.cache.size > this.options.maxEntries) {
      const [oldest, old] = this.cache.entries().next().value as [string, Entry];
      old.material.fill(0);
      this.cache.delete(oldest);
    }
    return entry;
  }

  private async create(customerId: string): Promise<StoredTenantKey> {
    const keyId = `tk_${toBase62(randomBytes(16), 22)}`;
    const material = randomBytes(32);
    try {
      const wrapped = await this.kms.wrapKey(material, tenantKeyContext(customerId, keyId));
      return await this.repo.insertIfAbsent(customerId, keyId, wrapped, new Date(this.now()));
    } finally {
      material.fill(0);
    }
  }
}
