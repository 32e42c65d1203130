import { SetMetadata, applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
import { Principal } from './principal';
import { ServiceScope, UserScope } from './scopes';

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
  return applyDecorators(
    SetMetadata(AUTH_RULE, rule),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired token', type: ErrorResponseDto }),
    ApiForbiddenResponse({ description: `Token lacks a required scope: ${scopes.join(', ') || 'none'}`, type: ErrorResponseDto }),
    ApiTooManyRequestsResponse({ description: 'Rate limit exceeded; see Retry-After', type: ErrorResponseDto }),
  );
}

/** The verified caller, as set by the global guard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (principal === undefined) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
