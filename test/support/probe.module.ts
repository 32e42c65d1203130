import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { Auth, CurrentPrincipal, Public } from '../../src/auth/auth.decorators';
import { Principal } from '../../src/auth/principal';

class ProbeBody {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  limit!: number;
}

/** Test-only routes that exercise the global guard, pipe and filter in the real app. */
@Controller('__probe')
class ProbeController {
  @Get('default')
  whoAmI(@CurrentPrincipal() p: Principal): object {
    return { kind: p.kind, subject: p.subject, customerId: p.customerId, scopes: [...p.scopes].sort() };
  }

  @Get('vault-read')
  @Auth({ user: ['vault:read'] })
  vaultRead(): object {
    return { ok: true };
  }

  @Get('service')
  @Auth({ service: ['vault:use'] })
  serviceOnly(@CurrentPrincipal() p: Principal): object {
    return { subject: p.subject, ...(p.kind === 'service' && p.customerIds !== undefined ? { customerIds: p.customerIds } : {}) };
  }

  @Get('public')
  @Public()
  open(): object {
    return { ok: true };
  }

  @Post('validate')
  validate(@Body() body: ProbeBody): object {
    return { ...body };
  }

  @Get('boom')
  boom(): never {
    throw new Error('internal detail: connection string postgres://user:hunter2@db');
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
