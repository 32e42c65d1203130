import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { SkipRateLimit } from '../rate-limit/rate-limit.guard';
import { DependencyStatusDto, LivenessDto, ReadinessDto } from './health.dto';
import { LivenessState } from './liveness-state';
import { ReadinessRegistry } from './readiness.registry';
import { ShutdownState } from './shutdown-state';

@ApiTags('health')
@ApiExtraModels(DependencyStatusDto)
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly liveness: LivenessState,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process is up, serving HTTP and able to recover by itself. Does not touch dependencies. */
  @Get()
  @HttpCode(200)
  @ApiOkResponse({ type: LivenessDto })
  @ApiServiceUnavailableResponse({ type: LivenessDto, description: 'The service cannot recover by itself and is exiting', example: { status: 'failed', reason: 'the embedded PostgreSQL could not be restarted: embedded PostgreSQL exited with code 1' } })
  getLiveness(@Res({ passthrough: true }) reply: { status(code: number): unknown }): LivenessDto {
    const failure = this.liveness.failure;
    if (failure === undefined) return { status: 'ok' };
    reply.status(503);
    return { status: 'failed', reason: failure };
  }

  /** Readiness: every dependency answers (database, KMS provider), as checked at most ~1 s ago. 503 otherwise. */
  @Get('ready')
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async getReadiness(@Res({ passthrough: true }) reply: { status(code: number): unknown }): Promise<ReadinessDto> {
    // Shutting down or failed: answer now, not from the cache.
    const checks = this.shutdown.draining || this.liveness.failure !== undefined ? await this.readiness.run(2000) : await this.readiness.cached(1000, 2000);
    const ready = Object.values(checks).every((c) => c.status === 'up');
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }
}
