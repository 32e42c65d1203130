import { Module } from '@nestjs/common';
import { FaultConfigModule } from '../fault-config.module';
import { SilenceWindowRepository } from '../maintenance/silence-window.repository';
import { SilenceWindowsService } from '../maintenance/silence-windows.service';
import { FaultSilenceController } from './fault-silence.controller';
import { FaultSilenceRepository } from './fault-silence.repository';
import { FaultSilenceService } from './fault-silence.service';

/**
 * Silences (maintenance windows), one-off or recurring with their expanded windows. A report is
 * matched against them in SQL (FaultReportRepository), so FaultModule needs nothing from here.
 */
@Module({
  imports: [FaultConfigModule],
  controllers: [FaultSilenceController],
  providers: [FaultSilenceRepository, FaultSilenceService, SilenceWindowRepository, SilenceWindowsService],
})
export class FaultSilencesModule {}
