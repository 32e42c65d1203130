import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VaultConfig } from '../config/vault.config';
import { VaultAuditRepository } from './audit/vault-audit.repository';
import { VaultAuditRetention } from './audit/vault-audit-retention';
import { VaultAuditService } from './audit/vault-audit.service';
import { InternalVaultController } from './internal-vault.controller';
import { VaultItemRepository } from './items/vault-item.repository';
import { VaultItemsService } from './items/vault-items.service';
import { TenantKeyRepository } from './keys/tenant-key.repository';
import { TenantKeyStore } from './keys/tenant-keys';
import { VaultKeyMaintenanceRepository } from './keys/vault-key-maintenance.repository';
import { VaultKeyReport } from './keys/vault-key-report';
import { VaultSealer } from './keys/vault-sealer';
import { VaultTenantKeysService } from './keys/vault-tenant-keys.service';
import { VaultExpiryReminders } from './lifecycle/vault-expiry-reminders';
import { VaultExpiryRepository } from './lifecycle/vault-expiry.repository';
import { VaultPurgeRepository } from './lifecycle/vault-purge.repository';
import { VaultPurgeService } from './lifecycle/vault-purge.service';
import { VaultRunnerRepository } from './runner/vault-runner.repository';
import { VaultRunnerService } from './runner/vault-runner.service';
import { VaultController } from './vault.controller';
import { VAULT_ENTITIES } from './entities';
import { VaultVersionRepository } from './versions/vault-version.repository';
import { VaultVersionsService } from './versions/vault-versions.service';

/** The Workflows Vault; needs KmsModule (global) for envelope encryption and the key check. */
@Module({
  imports: [TypeOrmModule.forFeature(VAULT_ENTITIES)],
  controllers: [VaultController, InternalVaultController],
  providers: [
    { provide: VaultConfig, useFactory: () => VaultConfig.fromEnv(process.env) },
    // items/: the tenant's items; versions/: their kept values; audit/: the trail; runner/: the workflow runner's reads.
    VaultItemsService,
    VaultItemRepository,
    VaultVersionsService,
    VaultVersionRepository,
    VaultAuditService,
    VaultAuditRepository,
    VaultAuditRetention,
    VaultRunnerService,
    VaultRunnerRepository,
    // keys/: sealing and opening values, the tenant keys, the startup report of values per KMS key.
    VaultSealer,
    VaultKeyReport,
    VaultKeyMaintenanceRepository,
    TenantKeyRepository,
    VaultTenantKeysService,
    { provide: TenantKeyStore, inject: [VaultTenantKeysService], useFactory: (keys: VaultTenantKeysService) => keys.store },
    // lifecycle/: scheduled work on items (purge after the recovery window, expiry reminders).
    VaultPurgeService,
    VaultPurgeRepository,
    VaultExpiryRepository,
    VaultExpiryReminders,
  ],
  exports: [VaultTenantKeysService],
})
export class VaultModule {}
