import { OffboardedTenants } from '../../auth/offboarded-tenants';
import { Injectable, NotFoundException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash, randomUUID } from 'node:crypto';
import { DecodedToken, decodeToken } from '../../auth/decoded-token';
import { DashboardPrincipal, TenantPrincipal } from '../../auth/principal';
import { TokenError } from '../../auth/token-error';
import { OwnTokenVerifier } from '../../auth/token-verifier.registry';
import { Clock } from '../../common/clock';
import { toApiTimestamp } from '../../common/timestamps';
import { AuthConfig } from '../../config/auth.config';
import { FaultConfig } from '../../config/fault.config';
import { DASHBOARD_TOKEN_AUDIENCE, DASHBOARD_TOKEN_SCOPE, DashboardClaims, DashboardTokenSigner } from './dashboard-token.signer';
import { FaultAccessTokenDto } from './dto/access-token.dto';
import { FaultAccessTokenEntity } from '../entities/fault-access-token.entity';
import { FaultAccessTokenRepository } from './fault-access-token.repository';
import { SHORT_CODE_PATTERN, newShortCode } from './short-code';

const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/**
 * The rules of read-only dashboard tokens: minted for the caller's tenant,
 * stored as hashes with their short code, and checked against their row on
 * every use — through a cache of at most FAULT_TOKEN_CACHE_MS — so an expired
 * or revoked token stops working on every instance within a second.
 */
@Injectable()
export class FaultTokenService implements OwnTokenVerifier {
  readonly audience = DASHBOARD_TOKEN_AUDIENCE;
  private readonly signer: DashboardTokenSigner;
  /** Rows by jti for at most FAULT_TOKEN_CACHE_MS of real elapsed time (bounds how stale another instance's revocation can be). */
  private readonly rows: LRUCache<string, { row: FaultAccessTokenEntity | null }>;

  constructor(
    private readonly config: FaultConfig,
    private readonly clock: Clock,
    private readonly tokens: FaultAccessTokenRepository,
    private readonly offboarded: OffboardedTenants,
    auth: AuthConfig,
  ) {
    this.signer = new DashboardTokenSigner(config.tokenSecret, auth.clockToleranceSeconds);
    this.rows = new LRUCache({ max: 10_000, ttl: Math.max(1, config.tokenCacheMs) });
  }

  async mint(principal: TenantPrincipal, expireAfterMinutes: number): Promise<FaultAccessTokenDto> {
    const iat = this.clock.nowSeconds();
    const claims: DashboardClaims = {
      sub: principal.subject,
      customer_id: principal.customerId,
      jti: randomUUID(),
      iat,
      exp: iat + expireAfterMinutes * 60,
    };
    const token = this.signer.sign(claims);
    const code = newShortCode();
    await this.tokens.insert({
      id: claims.jti,
      customerId: claims.customer_id,
      issuedBy: claims.sub,
      tokenHash: sha256(token),
      codeHash: sha256(code),
      keyId: this.signer.keyId,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date(claims.exp * 1000),
      revokedAt: null,
    });
    return {
      token,
      type: 'jwt',
      expires_in_minutes: expireAfterMinutes,
      expires_at: toApiTimestamp(new Date(claims.exp * 1000)),
      short_link: `${this.config.shortLinkBaseUrl}/${code}`,
    };
  }

  /** The global guard's hook for Bearer tokens naming our audience. */
  async verify(token: DecodedToken): Promise<DashboardPrincipal> {
    const claims = this.signer.verify(token, this.clock.nowSeconds());
    const row = await this.activeRow(claims.customer_id, claims.jti);
    if (row === null || row.customerId !== claims.customer_id) throw new TokenError('Dashboard token has been revoked or has expired');
    return { kind: 'dashboard', subject: claims.sub, customerId: claims.customer_id, scopes: new Set([DASHBOARD_TOKEN_SCOPE]), tokenId: claims.jti };
  }

  /** A usable (known, unexpired, unrevoked) token given as the token itself or its short code; null otherwise. */
  async resolve(tokenOrCode: string): Promise<FaultAccessTokenEntity | null> {
    if (SHORT_CODE_PATTERN.test(tokenOrCode)) {
      const row = await this.tokens.findByCodeHash(sha256(tokenOrCode));
      return row && this.isActive(row) ? row : null;
    }
    try {
      const claims = this.signer.verify(decodeToken(tokenOrCode), this.clock.nowSeconds());
      const row = await this.activeRow(claims.customer_id, claims.jti);
      return row !== null && row.customerId === claims.customer_id ? row : null;
    } catch (error) {
      if (error instanceof TokenError) return null;
      throw error;
    }
  }

  /** Revokes a token of this tenant, given as the token or its short code. Unknown or foreign → 404. */
  async revoke(customerId: string, tokenOrCode: string): Promise<void> {
    const hash = sha256(tokenOrCode);
    const row = SHORT_CODE_PATTERN.test(tokenOrCode)
      ? await this.tokens.findByCodeHash(hash, customerId)
      : await this.tokens.findByTokenHash(hash, customerId);
    if (row === null) throw new NotFoundException('Dashboard token not found');
    await this.tokens.revoke(row.customerId, row.id, this.clock.now());
    this.rows.delete(row.id);
  }

  /** Where a short link leads, with its token re-signed from the stored claims (HS256 is deterministic). */
  async shortLinkTarget(code: string): Promise<string | null> {
    if (!SHORT_CODE_PATTERN.test(code)) return null;
    const row = await this.resolve(code);
    if (row === null) return null;
    const token = this.signer.sign({
      sub: row.issuedBy,
      customer_id: row.customerId,
      jti: row.id,
      iat: Math.floor(row.issuedAt.getTime() / 1000),
      exp: Math.floor(row.expiresAt.getTime() / 1000),
    });
    const template = this.config.dashboardUrl ?? '/fault/token/{code}';
    const url = template.replaceAll('{code}', encodeURIComponent(code));
    if (url.includes('{token}')) return url.replaceAll('{token}', encodeURIComponent(token));
    return this.config.dashboardUrl === undefined ? url : `${url}#token=${encodeURIComponent(token)}`;
  }

  private isActive(row: FaultAccessTokenEntity): boolean {
    // An offboarded tenant's tokens stop at once on every instance, whatever a cached row says.
    return row.revokedAt === null && row.expiresAt.getTime() > this.clock.now().getTime() && !this.offboarded.has(row.customerId);
  }

  /** The token's row when it is usable; read through the cache. */
  private async activeRow(customerId: string, jti: string): Promise<FaultAccessTokenEntity | null> {
    const cached = this.config.tokenCacheMs > 0 ? this.rows.get(jti) : undefined;
    const row = cached !== undefined ? cached.row : await this.tokens.findById(customerId, jti);
    if (cached === undefined && this.config.tokenCacheMs > 0) this.rows.set(jti, { row });
    return row !== null && this.isActive(row) ? row : null;
  }
}
