import { Injectable } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { AuthConfig } from '../config/auth.config';
import { Clock } from './clock';
import { JwksKeyStore } from './jwks-key-store';
import { DecodedJwt, validateClaims, verifySignature } from './jws';
import { Principal } from './principal';
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

  private toPrincipal(payload: Record<string, unknown>): Principal {
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 256) {
      throw new TokenError('Token has no subject (sub)');
    }
    const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
    const granted = parseScopes(payload);
    if (payload.token_use === 'service') {
      return { kind: 'service', subject, customerId: null, scopes: new Set(granted ?? []), tokenId: jti };
    }
    const tenant = payload[this.config.tenantClaim];
    if (typeof tenant !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(tenant)) {
      throw new TokenError(`Token has no valid tenant claim (${this.config.tenantClaim})`);
    }
    // No scopes claim at all: an ordinary user session with every user scope.
    const scopes = granted === undefined ? new Set<string>(USER_SCOPES) : new Set(granted);
    return { kind: 'user', subject, customerId: tenant, scopes, tokenId: jti };
  }
}

/** `scopes` (array or space-separated), else `permissions`; undefined when neither claim exists. */
export function parseScopes(payload: Record<string, unknown>): string[] | undefined {
  const claim = payload.scopes ?? payload.permissions;
  if (claim === undefined) return undefined;
  if (typeof claim === 'string') return claim.split(/\s+/).filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string');
  throw new TokenError('Malformed token: scopes must be a string or an array');
}
