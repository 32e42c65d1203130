import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app.config';
import { Principal } from '../auth/principal';
import { rateLimitRefusals } from '../metrics/instruments';
import { RateLimitStore } from './rate-limit.store';

export const SKIP_RATE_LIMIT = 'rate-limit:skip';

/** For probes (health) that orchestrators call constantly. */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT, true);

/**
 * Per-principal rate limit (per client address on public routes), after the
 * auth guard so that the key is the verified caller, not a claimed one.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: RateLimitStore,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<{ principal?: Principal; ip: string }>();
    const p = request.principal;
    const key = p ? `${p.kind}:${p.customerId ?? '-'}:${p.subject}` : `ip:${request.ip}`;
    const now = Date.now();
    const { count, resetAtMs } = await this.store.hit(key, this.config.rateLimitWindowSeconds * 1000, now);
    if (count > this.config.rateLimitMax) {
      rateLimitRefusals.inc({ limiter: 'principal' });
      const retryAfter = Math.max(1, Math.ceil((resetAtMs - now) / 1000));
      throw new HttpException(
        { message: `Rate limit of ${this.config.rateLimitMax} requests per ${this.config.rateLimitWindowSeconds} s exceeded; retry after ${retryAfter} s`, retryAfter },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return true;
  }
}
