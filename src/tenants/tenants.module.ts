import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantsConfig } from '../config/tenants.config';
import { VaultModule } from '../vault';
import { TENANT_ENTITIES } from './entities/tenant-offboarding.entity';
import { TenantOffboardingRepository } from './tenant-offboarding.repository';
import { TenantOffboardingService } from './tenant-offboarding.service';
import { TenantsController } from './tenants.controller';

/** Tenant administration: offboarding (crypto-shredding through the vault's tenant keys, then deletion). */
@Module({
  imports: [TypeOrmModule.forFeature(TENANT_ENTITIES), VaultModule],
  controllers: [TenantsController],
  providers: [{ provide: TenantsConfig, useFactory: () => TenantsConfig.fromEnv(process.env) }, TenantOffboardingRepository, TenantOffboardingService],
})
export class TenantsModule {}
