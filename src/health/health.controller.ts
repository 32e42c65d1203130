import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { SkipRateLimit } from '../rate-limit/rate-limit.guard';
import { DependencyStatusDto, LivenessDto, ReadinessDto } from './health.dto';
import { ReadinessRegistry } from './readiness.registry';

@ApiTags('health')
@ApiExtraModels(DependencyStatusDto)
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  /** Liveness: the process is up and serving HTTP. Does not touch dependencies. */
  @Get()
  @HttpCode(200)
  @ApiOkResponse({ type: LivenessDto })
  getLiveness(): LivenessDto {
    return { status: 'ok' };
  }

  /** Readiness: every dependency answers (database, KMS provider). 503 otherwise. */
  @Get('ready')
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async getReadiness(@Res({ passthrough: true }) reply: { status(code: number): unknown }): Promise<ReadinessDto> {
    const checks = await this.readiness.run(2000);
    const ready = Object.values(checks).every((c) => c.status === 'up');
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }
}
