import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app.config';
import { rateLimitRefusals } from '../metrics/instruments';
import { SKIP_RATE_LIMIT } from './rate-limit.guard';
import { MemoryRateLimitStore } from './rate-limit.store';

/**
 * Per client address, BEFORE authentication: invalid tokens, unknown routes' neighbours and anonymous floods
 * are counted too (the auth guard would otherwise answer 401 before any limit ran). Generous —
 * RATE_LIMIT_ADDRESS_MAX, by default 10× the per-principal limit, since many callers may share one address —
 * and in memory on purpose: a flood guard must cost no I/O. The per-principal limit still applies after it.
 */
@Injectable()
export class ClientAddressRateLimitGuard implements CanActivate {
  private readonly store = new MemoryRateLimitStore();

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()])) return true;
    const { ip } = context.switchToHttp().getRequest<{ ip: string }>();
    const now = Date.now();
    const { count, resetAtMs } = await this.store.hit(ip, this.config.rateLimitWindowSeconds * 1000, now);
    if (count > this.config.rateLimitAddressMax) {
      rateLimitRefusals.inc({ limiter: 'address' });
      const retryAfter = Math.max(1, Math.ceil((resetAtMs - now) / 1000));
      throw new HttpException(
        { message: `Too many requests from this address (${this.config.rateLimitAddressMax} per ${this.config.rateLimitWindowSeconds} s); retry after ${retryAfter} s`, retryAfter },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return true;
  }
}
