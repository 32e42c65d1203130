import { Controller, Get, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { MetricsConfig } from '../config/metrics.config';
import { SkipRateLimit } from '../rate-limit/rate-limit.guard';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` on the service's port (Prometheus text format). No token: keep it off public
 * ingress, or set METRICS_PORT to serve it on a listener of its own (then this route is a 404).
 */
@ApiExcludeController()
@Public()
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly config: MetricsConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  async getMetrics(@Res() reply: FastifyReply): Promise<void> {
    if (!this.config.enabled || this.config.port !== undefined) throw new NotFoundException('Cannot GET /metrics');
    const body = await this.metrics.render();
    await reply.header('content-type', this.metrics.contentType).header('cache-control', 'no-store').send(body);
  }
}
