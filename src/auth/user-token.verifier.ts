import { Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthConfig } from '../config/auth.config';
import { Clock } from '../common/clock';
import { accessTokenKind } from './access-token-kind';
import { TENANT_ID, JwtPayload, optionalStringArrayClaim, optionalStringClaim, requiredStringClaim, scopesClaim, validateClaims } from './claims';
import { DecodedToken } from './decoded-token';
import { JwksCache } from './jwks/jwks-cache';
import { Principal } from './principal';
import { SharedSecretVerifier } from './shared-secret.verifier';
import { SignatureVerifier } from './signature-verifier';
import { TokenError } from './token-error';

/** Largest key set read from the provider. */
const JWKS_MAX_BYTES = 512 * 1024;

/**
 * Verifies tokens from the identity provider (user sessions and service tokens): the signature
 * by a JOSE library (one HS256 secret through `@nestjs/jwt`, or the provider's JWKS through
 * `jose`), then the token kind (access tokens only), the registered claims and the principal,
 * every claim read through the fail-closed readers of claims.ts.
 */
@Injectable()
export class UserTokenVerifier implements OnModuleInit {
  private readonly signatures: SignatureVerifier;
  readonly jwks: JwksCache | undefined;

  constructor(
    private readonly config: AuthConfig,
    private readonly clock: Clock,
    jwt: JwtService,
  ) {
    if (config.jwksUrl !== undefined) {
      this.jwks = new JwksCache({
        url: config.jwksUrl,
        cooldownMs: config.jwksCooldownSeconds * 1000,
        maxStalenessMs: config.jwksCacheSeconds * 1000,
        timeoutMs: config.jwksTimeoutMs,
        maxBytes: JWKS_MAX_BYTES,
        now: () => clock.now().getTime(),
      });
      this.signatures = this.jwks;
    } else {
      const hint = config.jwtSecretGenerated ? "it was signed with a different key than this service's development secret (see `npm run token`)" : undefined;
      this.signatures = new SharedSecretVerifier(jwt, hint);
    }
  }

  onModuleInit(): void {
    this.jwks?.start();
  }

  /** @param reservedAudiences audiences of tokens this service mints itself, never accepted here */
  async verify(token: DecodedToken, reservedAudiences: readonly string[]): Promise<Principal> {
    const time = { nowSeconds: this.clock.nowSeconds(), clockToleranceSeconds: this.config.clockToleranceSeconds };
    const payload = await this.signatures.verify(token, time);
    const kind = accessTokenKind(token.header, payload);
    validateClaims(payload, { ...time, issuer: this.config.issuer, audience: this.config.audience, forbiddenAudiences: reservedAudiences });
    return this.toPrincipal(kind, payload);
  }

  private toPrincipal(kind: 'user' | 'service', payload: JwtPayload): Principal {
    const subject = requiredStringClaim(payload, 'sub', { maxLength: 256, label: 'subject (sub)' });
    const tokenId = optionalStringClaim(payload, 'jti', { maxLength: 256 });
    const granted = scopesClaim(payload);
    const customerIds = optionalStringArrayClaim(payload, 'customer_ids', { pattern: TENANT_ID, minItems: 1, maxItems: 1000 });
    const tenant = optionalStringClaim(payload, this.config.tenantClaim, { pattern: TENANT_ID, maxLength: 128 });
    if (kind === 'service') {
      return { kind: 'service', subject, customerId: null, scopes: new Set(granted ?? []), tokenId, ...(customerIds !== undefined ? { customerIds } : {}) };
    }
    if (tenant === undefined) throw new TokenError(`Token has no tenant claim (${this.config.tenantClaim})`);
    // No scope claim at all: an ordinary user session of the reference platform, with the default user scopes.
    const scopes = new Set<string>(granted ?? this.config.defaultUserScopes);
    return { kind: 'user', subject, customerId: tenant, scopes, tokenId };
  }
}
