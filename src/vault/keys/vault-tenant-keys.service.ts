import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OffboardedTenants } from '../../auth/offboarded-tenants';
import { VaultConfig } from '../../config/vault.config';
import { KMS_PROVIDER, KmsProvider } from '../../kms/kms-provider.interface';
import { TenantKeyRepository } from './tenant-key.repository';
import { TenantKeyStore } from './tenant-keys';

/**
 * The vault's tenant keys as other features see them (the tenants feature destroys one when it
 * offboards a tenant). Holds the in-memory cache of unwrapped keys: dropped at once for a tenant
 * any instance has offboarded, swept on a timer, cleared on shutdown.
 */
@Injectable()
export class VaultTenantKeysService implements OnModuleInit, OnApplicationShutdown {
  readonly store: TenantKeyStore;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: TenantKeyRepository,
    @Inject(KMS_PROVIDER) kms: KmsProvider,
    config: VaultConfig,
    private readonly offboarded: OffboardedTenants,
  ) {
    this.store = new TenantKeyStore(repo, kms, { ttlMs: config.tenantKeyCacheSeconds * 1000, maxEntries: config.tenantKeyCacheSize });
  }

  onModuleInit(): void {
    this.offboarded.onOffboarded((customerId) => this.store.drop(customerId));
    this.timer = setInterval(() => this.store.sweep(), 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.store.clear();
  }

  /**
   * Crypto-shredding: erases the tenant's wrapped key (inside the caller's transaction) and
   * forgets the unwrapped one. Once committed, no value of the tenant opens, here or from a copy
   * of its value rows.
   */
  async destroy(m: EntityManager, customerId: string, at: Date): Promise<void> {
    this.store.drop(customerId);
    await this.repo.destroy(m, customerId, at, 'tk_destroyed');
  }

  /** After the commit: also forget any key a request unwrapped meanwhile. */
  forget(customerId: string): void {
    this.store.drop(customerId);
  }
}
