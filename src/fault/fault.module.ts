import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FAULT_ENTITIES } from './entities';
import { TokenVerifierRegistry } from '../auth/token-verifier.registry';
import { FaultConfig } from '../config/fault.config';
import { FaultAccessTokenRepository } from './dashboard-access/fault-access-token.repository';
import { FaultIdempotencyRepository } from './core/fault-idempotency.repository';
import { FaultLifecycleService } from './core/fault-lifecycle.service';
import { FaultPurgeService } from './core/fault-purge.service';
import { FaultSilenceController } from './silences/fault-silence.controller';
import { FaultSilenceRepository } from './silences/fault-silence.repository';
import { FaultSilenceService } from './silences/fault-silence.service';
import { FaultStreamController } from './streams/fault-stream.controller';
import { FaultStreamService } from './streams/fault-stream.service';
import { FaultTokenController } from './dashboard-access/fault-token.controller';
import { FaultTokenService } from './dashboard-access/fault-token.service';
import { FaultController } from './core/fault.controller';
import { FaultCommentRepository } from './core/fault-comment.repository';
import { FaultLifecycleRepository } from './core/fault-lifecycle.repository';
import { FaultPurgeRepository } from './core/fault-purge.repository';
import { FaultReadRepository } from './core/fault-read.repository';
import { FaultReportRepository } from './core/fault-report.repository';
import { FaultRowMapper } from './core/fault-row.mapper';
import { FaultService } from './core/fault.service';
import { ShortLinkController } from './dashboard-access/short-link.controller';
import { FaultAnnouncer } from './core/fault-announcer';
import { SilenceWindowRepository } from './maintenance/silence-window.repository';
import { SilenceWindowsService } from './maintenance/silence-windows.service';
import { FaultAnalyticsController } from './analytics/fault-analytics.controller';
import { FaultAnalyticsRepository } from './analytics/fault-analytics.repository';
import { FaultAnalyticsService } from './analytics/fault-analytics.service';
import { FaultExportService } from './export/fault-export.service';
import { FaultCorrelationRepository } from './correlation/fault-correlation.repository';
import { FaultCorrelationService } from './correlation/fault-correlation.service';
import { FaultEscalationController } from './escalation/fault-escalation.controller';
import { FaultEscalationRepository } from './escalation/fault-escalation.repository';
import { FaultEscalationService } from './escalation/fault-escalation.service';
import { FaultFlappingRepository } from './flapping/fault-flapping.repository';
import { FaultFlappingService } from './flapping/fault-flapping.service';
import { FaultTimelineController } from './timeline/fault-timeline.controller';
import { FaultTimelineRepository } from './timeline/fault-timeline.repository';
import { FaultTimelineService } from './timeline/fault-timeline.service';

/** The Faults API: faults and their lifecycle, silences, comments, top faults, read-only dashboard tokens and their short links. */
@Module({
  imports: [TypeOrmModule.forFeature(FAULT_ENTITIES)],
  controllers: [
    FaultStreamController,
    FaultTokenController,
    FaultSilenceController,
    FaultEscalationController,
    FaultAnalyticsController,
    FaultTimelineController,
    FaultController,
    ShortLinkController,
  ],
  providers: [
    { provide: FaultConfig, useFactory: () => FaultConfig.fromEnv(process.env) },
    FaultRowMapper,
    FaultReadRepository,
    FaultCommentRepository,
    FaultReportRepository,
    FaultLifecycleRepository,
    FaultPurgeRepository,
    FaultIdempotencyRepository,
    FaultAccessTokenRepository,
    FaultService,
    FaultLifecycleService,
    FaultSilenceRepository,
    FaultSilenceService,
    FaultTokenService,
    FaultPurgeService,
    FaultStreamService,
    FaultAnnouncer,
    FaultExportService,
    SilenceWindowRepository,
    SilenceWindowsService,
    FaultAnalyticsRepository,
    FaultAnalyticsService,
    FaultTimelineRepository,
    FaultTimelineService,
    FaultCorrelationRepository,
    FaultCorrelationService,
    FaultFlappingRepository,
    FaultFlappingService,
    FaultEscalationRepository,
    FaultEscalationService,
  ],
  exports: [FaultTokenService, FaultPurgeService, FaultFlappingService, FaultEscalationService],
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
