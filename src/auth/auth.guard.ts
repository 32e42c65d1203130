import { CanActivate, ExecutionContext, ForbiddenException, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTH_RULE, AuthRule, DEFAULT_AUTH_RULE, IS_PUBLIC } from './auth.decorators';
import { decodeToken } from './decoded-token';
import { KeysUnavailableError } from './jwks/jwks-cache';
import { OffboardedTenants } from './offboarded-tenants';
import { Principal } from './principal';
import { TokenError } from './token-error';
import { TokenVerifierRegistry } from './token-verifier.registry';
import { UserTokenVerifier } from './user-token.verifier';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/**
 * The global guard: every route needs a valid Bearer token unless it is
 * @Public(). A bad token is a 401 saying why; a valid token that may not call
 * the route is a 403. It never returns false (that would be an anonymous 403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly userTokens: UserTokenVerifier,
    private readonly ownTokens: TokenVerifierRegistry,
    private readonly offboarded: OffboardedTenants,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const rule = this.reflector.getAllAndOverride<AuthRule>(AUTH_RULE, targets) ?? DEFAULT_AUTH_RULE;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request);
    // The tokens of an offboarded tenant (user sessions, dashboard tokens) are refused at once: the tenant no longer exists.
    if (principal.customerId !== null && this.offboarded.has(principal.customerId)) throw new UnauthorizedException("The token's tenant has been offboarded");
    request.principal = principal;
    authorize(principal, rule);
    return true;
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header === undefined) throw new UnauthorizedException('Missing Authorization header; send "Authorization: Bearer <token>"');
    const match = typeof header === 'string' ? /^Bearer +([^\s]+) *$/i.exec(header) : null;
    if (match === null) throw new UnauthorizedException('Authorization header must be "Bearer <token>"');
    try {
      const token = decodeToken(match[1]);
      const own = this.ownTokens.find(token);
      return own ? await own.verify(token) : await this.userTokens.verify(token, this.ownTokens.audiences);
    } catch (error) {
      if (error instanceof TokenError) throw new UnauthorizedException(error.message);
      if (error instanceof KeysUnavailableError) throw new ServiceUnavailableException(error.message);
      throw error;
    }
  }
}

export function authorize(principal: Principal, rule: AuthRule): void {
  const required = (() => {
    switch (principal.kind) {
      case 'user':
        return rule.user;
      case 'service':
        return rule.service;
      case 'dashboard':
        return rule.dashboard ? rule.user : undefined;
    }
  })();
  if (required === undefined) {
    throw new ForbiddenException(
      principal.kind === 'dashboard'
        ? 'A dashboard token is read-only and cannot call this endpoint'
        : `This endpoint does not accept ${principal.kind} tokens`,
    );
  }
  const missing = required.filter((scope) => !principal.scopes.has(scope));
  if (missing.length > 0) throw new ForbiddenException(`Token lacks required scope: ${missing.join(', ')}`);
}
