import { Module, OnModuleInit } from '@nestjs/common';
import { TokenVerifierRegistry } from '../auth/token-verifier.registry';
import { FaultConfig } from '../config/fault.config';
import { FaultPurgeService } from './fault-purge.service';
import { FaultTokenController } from './fault-token.controller';
import { FaultTokenService } from './fault-token.service';
import { FaultController } from './fault.controller';
import { FaultRepository } from './fault.repository';
import { FaultService } from './fault.service';
import { ShortLinkController } from './short-link.controller';

/** The Faults API: faults, comments, top faults, read-only dashboard tokens and their short links. */
@Module({
  controllers: [FaultTokenController, FaultController, ShortLinkController],
  providers: [
    { provide: FaultConfig, useFactory: () => FaultConfig.fromEnv(process.env) },
    FaultRepository,
    FaultService,
    FaultTokenService,
    FaultPurgeService,
  ],
  exports: [FaultTokenService, FaultPurgeService],
})
export class FaultModule implements OnModuleInit {
  constructor(
    private readonly registry: TokenVerifierRegistry,
    private readonly tokens: FaultTokenService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.tokens);
  }
}
