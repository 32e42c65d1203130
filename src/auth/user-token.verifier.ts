import { Injectable } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { AuthConfig } from '../config/auth.config';
import { Clock } from '../common/clock';
import { JwksKeyStore } from './jwks-key-store';
import { DecodedJwt, validateClaims, verifySignature } from './jws';
import { Principal } from './principal';
import { TENANT_ID, optionalStringArrayClaim, optionalStringClaim, requiredStringClaim, scopesClaim } from './claims';
import { USER_SCOPES } from './scopes';
import { TokenError } from './token-error';

/**
 * Verifies tokens from the identity provider (user sessions and service
 * tokens): one HS256 secret key, or the provider's JWKS.
 */
@Injectable()
export class UserTokenVerifier {
  private readonly secretKey: KeyObject | undefined;
  private readonly jwks: JwksKeyStore | undefined;

  constructor(
    private readonly config: AuthConfig,
    private readonly clock: Clock,
  ) {
    if (config.jwksUrl !== undefined) {
      this.jwks = new JwksKeyStore({
        url: config.jwksUrl,
        cooldownMs: config.jwksCooldownSeconds * 1000,
        cacheMs: config.jwksCacheSeconds * 1000,
      });
    } else if (config.jwtSecret !== undefined) {
      this.secretKey = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    }
  }

  /** @param reservedAudiences audiences of tokens this service mints itself, never accepted here */
  async verify(jwt: DecodedJwt, reservedAudiences: readonly string[]): Promise<Principal> {
    const key = this.jwks ? await this.jwks.getKey(jwt.header.kid) : this.secretKey;
    if (key === undefined) throw new TokenError('No key is configured to verify tokens');
    verifySignature(jwt, key);
    validateClaims(jwt.payload, {
      nowSeconds: this.clock.nowSeconds(),
      clockToleranceSeconds: this.config.clockToleranceSeconds,
      issuer: this.config.issuer,
      audience: this.config.audience,
      forbiddenAudiences: reservedAudiences,
    });
    return this.toPrincipal(jwt.payload);
  }

  /** Every claim is read through the fail-closed readers in claims.ts: a wrong type is a 401, never a default. */
  private toPrincipal(payload: Record<string, unknown>): Principal {
    const subject = requiredStringClaim(payload, 'sub', { maxLength: 256, label: 'subject (sub)' });
    const tokenId = optionalStringClaim(payload, 'jti', { maxLength: 256 });
    const granted = scopesClaim(payload);
    const tokenUse = optionalStringClaim(payload, 'token_use', { maxLength: 64 });
    const customerIds = optionalStringArrayClaim(payload, 'customer_ids', { pattern: TENANT_ID, minItems: 1, maxItems: 1000 });
    const tenant = optionalStringClaim(payload, this.config.tenantClaim, { pattern: TENANT_ID, maxLength: 128 });
    if (tokenUse === 'service') {
      return { kind: 'service', subject, customerId: null, scopes: new Set(granted ?? []), tokenId, ...(customerIds !== undefined ? { customerIds } : {}) };
    }
    if (tenant === undefined) throw new TokenError(`Token has no tenant claim (${this.config.tenantClaim})`);
    // No scopes claim at all: an ordinary user session with every user scope.
    const scopes = granted === undefined ? new Set<string>(USER_SCOPES) : new Set(granted);
    return { kind: 'user', subject, customerId: tenant, scopes, tokenId };
  }
}
