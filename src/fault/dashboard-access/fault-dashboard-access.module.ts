import { Module, OnModuleInit } from '@nestjs/common';
import { TokenVerifierRegistry } from '../../auth/token-verifier.registry';
import { FaultConfigModule } from '../fault-config.module';
import { FaultAccessTokenRepository } from './fault-access-token.repository';
import { FaultTokenController } from './fault-token.controller';
import { FaultTokenService } from './fault-token.service';
import { ShortLinkController } from './short-link.controller';

/**
 * Read-only dashboard tokens: minting and revoking them, their short links, and their check by
 * the global guard (this module registers the verifier). The dashboard's faults are FaultModule's.
 */
@Module({
  imports: [FaultConfigModule],
  controllers: [FaultTokenController, ShortLinkController],
  providers: [FaultAccessTokenRepository, FaultTokenService],
  exports: [FaultTokenService, FaultAccessTokenRepository],
})
export class FaultDashboardAccessModule implements OnModuleInit {
  constructor(
    private readonly registry: TokenVerifierRegistry,
    private readonly tokens: FaultTokenService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.tokens);
  }
}
