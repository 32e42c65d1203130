import { Module } from '@nestjs/common';
import { FaultDashboardAccessModule } from '../dashboard-access/fault-dashboard-access.module';
import { FaultStreamController } from './fault-stream.controller';
import { FaultStreamService } from './fault-stream.service';

/** The live fault streams (Server-Sent Events), for user sessions and for shared dashboards' tokens. */
@Module({
  imports: [FaultDashboardAccessModule],
  controllers: [FaultStreamController],
  providers: [FaultStreamService],
})
export class FaultStreamsModule {}
