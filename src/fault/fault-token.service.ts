import { Injectable, NotFoundException } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { KeyObject, createHash, createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import { Clock } from '../auth/clock';
import { DecodedJwt, decodeJwt, validateClaims, verifySignature } from '../auth/jws';
import { Principal } from '../auth/principal';
import { TokenError } from '../auth/token-error';
import { OwnTokenVerifier } from '../auth/token-verifier.registry';
import { toApiTimestamp } from '../common/timestamps';
import { FaultConfig } from '../config/fault.config';
import { FaultAccessTokenDto } from './dto/access-token.dto';
import { FaultAccessTokenEntity } from './entities/fault-access-token.entity';

/** The audience that marks a dashboard token; user sessions naming it are refused by the guard. */
export const DASHBOARD_TOKEN_AUDIENCE = 'netops:fault-dashboard';
export const DASHBOARD_TOKEN_ISSUER = 'netops-faults-vault';
export const DASHBOARD_TOKEN_SCOPE = 'faults:read';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODE_LENGTH = 12;
export const SHORT_CODE_PATTERN = /^[0-9A-Za-z]{10,32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CACHE_LIMIT = 10_000;

/** 12 base62 characters (≈71 bits), without modulo bias. */
export function newShortCode(): string {
  let code = '';
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH * 2)) {
      if (byte < 248 && code.length < CODE_LENGTH) code += BASE62[byte % 62];
    }
  }
  return code;
}

const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

interface DashboardClaims {
  sub: string;
  customer_id: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * Read-only dashboard tokens: minted here (HS256 with this service's own key,
 * `kid`, `jti`, tenant, issuing user, `scope: faults:read`, our audience),
 * stored as hashes with their short code, and checked against their row on
 * every use — through a cache of at most FAULT_TOKEN_CACHE_MS — so an expired
 * or revoked token stops working on every instance within a second.
 */
@Injectable()
export class FaultTokenService implements OwnTokenVerifier {
  readonly audience = DASHBOARD_TOKEN_AUDIENCE;
  private readonly key: KeyObject;
  private readonly keyId: string;
  private readonly tokens: Repository<FaultAccessTokenEntity>;
  private readonly cache = new Map<string, { row: FaultAccessTokenEntity | null; fetchedAtMs: number }>();

  constructor(
    private readonly config: FaultConfig,
    private readonly clock: Clock,
    dataSource: DataSource,
  ) {
    this.key = createSecretKey(Buffer.from(config.tokenSecret, 'utf8'));
    this.keyId = createHmac('sha256', config.tokenSecret).update('fault-dashboard-kid').digest('base64url').slice(0, 16);
    this.tokens = dataSource.getRepository(FaultAccessTokenEntity);
  }

  async mint(principal: Principal, expireAfterMinutes: number): Promise<FaultAccessTokenDto> {
    const now = this.clock.now();
    const iat = Math.floor(now.getTime() / 1000);
    const claims: DashboardClaims = {
      sub: principal.subject,
      customer_id: principal.customerId!,
      jti: randomUUID(),
      iat,
      exp: iat + expireAfterMinutes * 60,
    };
    const token = this.sign(claims);
    const code = newShortCode();
    await this.tokens.insert({
      id: claims.jti,
      customerId: claims.customer_id,
      issuedBy: claims.sub,
      tokenHash: sha256(token),
      codeHash: sha256(code),
      keyId: this.keyId,
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
  async verify(jwt: DecodedJwt): Promise<Principal> {
    const claims = this.verifyJwt(jwt);
    const row = await this.activeRow(claims.jti);
    if (row === null || row.customerId !== claims.customer_id) throw new TokenError('Dashboard token has been revoked or has expired');
    return { kind: 'dashboard', subject: claims.sub, customerId: claims.customer_id, scopes: new Set([DASHBOARD_TOKEN_SCOPE]), tokenId: claims.jti };
  }

  /** A usable (known, unexpired, unrevoked) token given as the token itself or its short code; null otherwise. */
  async resolve(tokenOrCode: string): Promise<FaultAccessTokenEntity | null> {
    if (SHORT_CODE_PATTERN.test(tokenOrCode)) {
      const row = await this.tokens.findOneBy({ codeHash: sha256(tokenOrCode) });
      return row && this.isActive(row) ? row : null;
    }
    try {
      const claims = this.verifyJwt(decodeJwt(tokenOrCode));
      const row = await this.activeRow(claims.jti);
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
      ? await this.tokens.findOneBy({ codeHash: hash, customerId })
      : await this.tokens.findOneBy({ tokenHash: hash, customerId });
    if (row === null) throw new NotFoundException('Dashboard token not found');
    await this.tokens.update({ id: row.id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    this.cache.delete(row.id);
  }

  /** Where a short link leads, with its token re-signed from the stored claims (HS256 is deterministic). */
  async shortLinkTarget(code: string): Promise<string | null> {
    if (!SHORT_CODE_PATTERN.test(code)) return null;
    const row = await this.resolve(code);
    if (row === null) return null;
    const token = this.sign({
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

  private sign(claims: DashboardClaims): string {
    const header = { alg: 'HS256', typ: 'JWT', kid: this.keyId };
    const payload = {
      iss: DASHBOARD_TOKEN_ISSUER,
      aud: DASHBOARD_TOKEN_AUDIENCE,
      sub: claims.sub,
      customer_id: claims.customer_id,
      scope: DASHBOARD_TOKEN_SCOPE,
      jti: claims.jti,
      iat: claims.iat,
      exp: claims.exp,
    };
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', this.key).update(input, 'ascii').digest('base64url')}`;
  }

  private verifyJwt(jwt: DecodedJwt): DashboardClaims {
    if (jwt.header.kid !== this.keyId) throw new TokenError('Dashboard token was signed with an unknown key');
    verifySignature(jwt, this.key);
    validateClaims(jwt.payload, {
      nowSeconds: this.clock.nowSeconds(),
      clockToleranceSeconds: 0,
      issuer: DASHBOARD_TOKEN_ISSUER,
      audience: DASHBOARD_TOKEN_AUDIENCE,
      requireExpiry: true,
    });
    const p = jwt.payload;
    if (
      p.scope !== DASHBOARD_TOKEN_SCOPE ||
      typeof p.sub !== 'string' ||
      typeof p.customer_id !== 'string' ||
      typeof p.jti !== 'string' ||
      !UUID.test(p.jti) ||
      typeof p.iat !== 'number' ||
      typeof p.exp !== 'number'
    ) {
      throw new TokenError('Malformed dashboard token');
    }
    return { sub: p.sub, customer_id: p.customer_id, jti: p.jti, iat: p.iat, exp: p.exp };
  }

  private isActive(row: FaultAccessTokenEntity): boolean {
    return row.revokedAt === null && row.expiresAt.getTime() > this.clock.now().getTime();
  }

  /** The token's row when it is usable; read through a cache at most tokenCacheMs old. */
  private async activeRow(jti: string): Promise<FaultAccessTokenEntity | null> {
    // Real elapsed time, not the injectable clock: this bounds how stale a revocation can be.
    const nowMs = performance.now();
    const cached = this.cache.get(jti);
    let row: FaultAccessTokenEntity | null;
    if (cached !== undefined && nowMs - cached.fetchedAtMs >= 0 && nowMs - cached.fetchedAtMs < this.config.tokenCacheMs) {
      row = cached.row;
    } else {
      row = await this.tokens.findOneBy({ id: jti });
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(jti, { row, fetchedAtMs: nowMs });
    }
    return row !== null && this.isActive(row) ? row : null;
  }
}
