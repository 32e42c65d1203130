import { Module } from '@nestjs/common';
import { JobsConfig } from '../config/jobs.config';
import { MetricsConfig } from '../config/metrics.config';
import { MetricsController } from './metrics.controller';
import { MetricsListener } from './metrics-listener';
import { MetricsService } from './metrics.service';

/** Prometheus metrics: `/metrics` (or METRICS_PORT), the scrape-time gauges and the process's instruments. */
@Module({
  controllers: [MetricsController],
  providers: [
    { provide: MetricsConfig, useFactory: () => MetricsConfig.fromEnv(process.env) },
    { provide: JobsConfig, useFactory: () => JobsConfig.fromEnv(process.env) },
    MetricsService,
    MetricsListener,
  ],
  exports: [MetricsService, MetricsListener],
})
export class MetricsModule {}
