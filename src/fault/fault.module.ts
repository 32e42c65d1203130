import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FAULT_ENTITIES } from './entities';
import { FaultAnalyticsController } from './analytics/fault-analytics.controller';
import { FaultAnalyticsRepository } from './analytics/fault-analytics.repository';
import { FaultAnalyticsService } from './analytics/fault-analytics.service';
import { FaultAnnouncer } from './core/fault-announcer';
import { FaultCommentRepository } from './core/fault-comment.repository';
import { FaultDashboardController } from './core/fault-dashboard.controller';
import { FaultIdempotencyRepository } from './core/fault-idempotency.repository';
import { FaultLifecycleRepository } from './core/fault-lifecycle.repository';
import { FaultLifecycleService } from './core/fault-lifecycle.service';
import { FaultPurgeRepository } from './core/fault-purge.repository';
import { FaultPurgeService } from './core/fault-purge.service';
import { FaultReadRepository } from './core/fault-read.repository';
import { FaultReportRepository } from './core/fault-report.repository';
import { FaultRowMapper } from './core/fault-row.mapper';
import { FaultController } from './core/fault.controller';
import { FaultService } from './core/fault.service';
import { FaultCorrelationRepository } from './correlation/fault-correlation.repository';
import { FaultCorrelationService } from './correlation/fault-correlation.service';
import { FaultDashboardAccessModule } from './dashboard-access/fault-dashboard-access.module';
import { FaultEscalationController } from './escalation/fault-escalation.controller';
import { FaultEscalationRepository } from './escalation/fault-escalation.repository';
import { FaultEscalationService } from './escalation/fault-escalation.service';
import { FaultExportService } from './export/fault-export.service';
import { FaultConfigModule } from './fault-config.module';
import { FaultFlappingRepository } from './flapping/fault-flapping.repository';
import { FaultFlappingService } from './flapping/fault-flapping.service';
import { FaultSweeps } from './scheduled-sweep';
import { FaultSilencesModule } from './silences/fault-silences.module';
import { FaultStreamsModule } from './streams/fault-streams.module';
import { FaultTimelineController } from './timeline/fault-timeline.controller';
import { FaultTimelineRepository } from './timeline/fault-timeline.repository';
import { FaultTimelineService } from './timeline/fault-timeline.service';
import { TopFaultsRepository } from './top-faults/top-faults.repository';
import { TopFaultsService } from './top-faults/top-faults.service';

/**
 * The Faults API: faults and their lifecycle, comments, top faults, the shared dashboard, with
 * correlation, flapping, escalation, timeline, analytics and export (one Nest module: the lifecycle
 * calls correlation, flapping and the timeline, which call back into the fault storage). Silences,
 * dashboard tokens and live streams are sub-modules of their own.
 */
@Module({
  imports: [TypeOrmModule.forFeature(FAULT_ENTITIES), FaultConfigModule, FaultDashboardAccessModule, FaultSilencesModule, FaultStreamsModule],
  controllers: [FaultEscalationController, FaultAnalyticsController, FaultTimelineController, FaultDashboardController, FaultController],
  providers: [
    FaultRowMapper,
    FaultReadRepository,
    FaultCommentRepository,
    FaultReportRepository,
    FaultLifecycleRepository,
    FaultPurgeRepository,
    FaultIdempotencyRepository,
    FaultService,
    FaultLifecycleService,
    FaultPurgeService,
    FaultAnnouncer,
    FaultExportService,
    FaultAnalyticsRepository,
    FaultAnalyticsService,
    FaultTimelineRepository,
    FaultTimelineService,
    FaultCorrelationRepository,
    FaultCorrelationService,
    FaultSweeps,
    FaultFlappingRepository,
    FaultFlappingService,
    FaultEscalationRepository,
    FaultEscalationService,
    TopFaultsRepository,
    TopFaultsService,
  ],
  exports: [FaultDashboardAccessModule, FaultPurgeService, FaultFlappingService, FaultEscalationService],
})
export class FaultModule {}
