import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VAULT_ENTITIES } from './entities';
import { VaultConfig } from '../config/vault.config';
import { InternalVaultController } from './internal-vault.controller';
import { TenantKeyRepository } from './tenant-key.repository';
import { TenantKeyStore } from './tenant-keys';
import { VaultExpiryReminders } from './vault-expiry-reminders';
import { VaultExpiryRepository } from './vault-expiry.repository';
import { VaultController } from './vault.controller';
import { VaultPurgeService } from './vault-purge.service';
import { VaultTenantKeysService } from './vault-tenant-keys.service';
import { VaultRepository } from './vault.repository';
import { VaultService } from './vault.service';

/** The Workflows Vault; needs KmsModule (global) for envelope encryption and the key check. */
@Module({
  imports: [TypeOrmModule.forFeature(VAULT_ENTITIES)],
  controllers: [VaultController, InternalVaultController],
  providers: [
    { provide: VaultConfig, useFactory: () => VaultConfig.fromEnv(process.env) },
    VaultService,
    VaultRepository,
    VaultPurgeService,
    VaultExpiryRepository,
    VaultExpiryReminders,
    TenantKeyRepository,
    VaultTenantKeysService,
    { provide: TenantKeyStore, inject: [VaultTenantKeysService], useFactory: (keys: VaultTenantKeysService) => keys.store },
  ],
  exports: [VaultTenantKeysService],
})
export class VaultModule {}
