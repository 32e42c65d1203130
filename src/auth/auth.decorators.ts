import { SetMetadata, applyDecorators, createParamDecorator, ExecutionContext, ForbiddenException } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiError, ApiRateLimited } from '../common/api-error-responses';
import { Principal, ServicePrincipal, TenantPrincipal } from './principal';
import { ServiceScope, UserScope } from '../common/scopes';

export const IS_PUBLIC = 'auth:public';
export const AUTH_RULE = 'auth:rule';

/**
 * Who may call a route:
 * - `user`: user sessions holding all these scopes (omit to refuse users);
 * - `service`: service tokens holding all these scopes (omit to refuse services);
 * - `dashboard`: read-only dashboard tokens may call it too (faults:read routes only).
 */
export interface AuthRule {
  user?: UserScope[];
  service?: ServiceScope[];
  dashboard?: boolean;
}

/** Routes without @Auth or @Public: any user session, no particular scope. */
export const DEFAULT_AUTH_RULE: AuthRule = { user: [] };

/** The only way out of authentication. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Enforces (through the global guard) and documents who may call a route. */
export function Auth(rule: AuthRule): MethodDecorator & ClassDecorator {
  const scopes = [...(rule.user ?? []), ...(rule.service ?? []).map((s) => `${s} (service token)`)];
  const forbidden =
    rule.user === undefined
      ? 'This endpoint does not accept user tokens'
      : rule.user.length > 0
        ? `Token lacks required scope: ${rule.user.join(', ')}`
        : 'A dashboard token is read-only and cannot call this endpoint';
  return applyDecorators(
    SetMetadata(AUTH_RULE, rule),
    ApiBearerAuth('bearer'),
    // Machine-readable: which tokens may call the operation (clients, and the Swagger UI browser test).
    ApiExtension('x-auth', { user: rule.user ?? null, service: rule.service ?? null, dashboard: rule.dashboard ?? false }),
    ApiError(401, { description: 'Missing, invalid or expired token', message: 'Missing Authorization header; send "Authorization: Bearer <token>"' }),
    ApiError(403, { description: `The token may not call this: it needs ${scopes.join(', ') || 'a user session'}`, message: forbidden }),
    ApiRateLimited(),
  );
}

/** The verified caller, as set by the global guard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (principal === undefined) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});

/**
 * The verified caller of a tenant-scoped route (a user session or a dashboard token): its
 * `customerId` is a string. A service token reaching such a route is refused (403), never
 * handed on without a tenant.
 */
export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantPrincipal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (principal === undefined) throw new Error('CurrentTenant used on a route without authentication');
  if (principal.kind === 'service') throw new ForbiddenException('This endpoint acts in the caller\'s own tenant; service tokens name a tenant on the internal endpoints');
  return principal;
});

/** The verified caller of a service-only route (`@Auth({ service: [...] })` without users). */
export const CurrentService = createParamDecorator((_: unknown, ctx: ExecutionContext): ServicePrincipal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (principal === undefined) throw new Error('CurrentService used on a route without authentication');
  if (principal.kind !== 'service') throw new ForbiddenException(`This endpoint does not accept ${principal.kind} tokens`);
  return principal;
});
