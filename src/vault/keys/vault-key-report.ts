import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { KMS_PROVIDER, KmsProvider, KmsProviderName } from '../../kms/kms-provider.interface';
import { TenantKeyRepository } from './tenant-key.repository';
import { VaultKeyMaintenanceRepository } from './vault-key-maintenance.repository';

/** At start: reports stored values under keys that are not active (re-wrap pending) or not available at all. */
@Injectable()
export class VaultKeyReport implements OnApplicationBootstrap {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly values: VaultKeyMaintenanceRepository,
    private readonly tenantKeyRepo: TenantKeyRepository,
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const active = this.kms.activeKey();
      // Values on tenant keys (format 3) are reached through their tenant key: the tenant keys are what a KMS key wraps.
      const groups = [
        ...(await this.values.valuesPerKey()).map((g) => ({ ...g, what: 'stored values' })),
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
}
