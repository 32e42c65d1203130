import { Module } from '@nestjs/common';
import { InternalVaultController } from './internal-vault.controller';
import { VaultController } from './vault.controller';
import { VaultRepository } from './vault.repository';
import { VaultService } from './vault.service';

/** The Workflows Vault; needs KmsModule (global) for envelope encryption and the key check. */
@Module({
  controllers: [VaultController, InternalVaultController],
  providers: [VaultService, VaultRepository],
})
export class VaultModule {}
