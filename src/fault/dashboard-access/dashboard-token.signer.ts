import { JwtService } from '@nestjs/jwt';
import { createHmac } from 'node:crypto';
import { DASHBOARD_TOKEN_TYPE } from '../../auth/access-token-kind';
import { JwtPayload, validateClaims } from '../../auth/claims';
import { DecodedToken } from '../../auth/decoded-token';
import { refusalOf } from '../../auth/library-errors';
import { TokenError } from '../../auth/token-error';

/** The audience that marks a dashboard token; user sessions naming it are refused by the guard. */
export const DASHBOARD_TOKEN_AUDIENCE = 'netops:fault-dashboard';
export const DASHBOARD_TOKEN_ISSUER = 'netops-faults-vault';
export const DASHBOARD_TOKEN_SCOPE = 'faults:read';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface DashboardClaims {
  sub: string;
  customer_id: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * Signs and verifies dashboard tokens with `@nestjs/jwt`: HS256 under FAULT_TOKEN_SECRET (the
 * algorithm pinned), a `kid` derived from the secret, our own `typ`, issuer, audience and scope.
 * Verified with the clock tolerance, so instances whose clocks differ by a few seconds accept each
 * other's tokens. Whether a token is still usable (revoked?) is the service's rule.
 */
export class DashboardTokenSigner {
  readonly keyId: string;
  private readonly jwt: JwtService;

  constructor(
    secret: string,
    private readonly clockToleranceSeconds: number,
  ) {
    // The kid names the key without revealing it: an HMAC of a constant under the secret.
    this.keyId = createHmac('sha256', secret).update('fault-dashboard-kid').digest('base64url').slice(0, 16);
    this.jwt = new JwtService({
      secret,
      signOptions: { algorithm: 'HS256', keyid: this.keyId, header: { alg: 'HS256', typ: DASHBOARD_TOKEN_TYPE } },
      verifyOptions: { algorithms: ['HS256'] },
    });
  }

  /** Deterministic: the same claims give the same token (a short link re-signs from the stored row). */
  sign(claims: DashboardClaims): string {
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
    return this.jwt.sign(payload);
  }

  /** The claims of a token signed by this key and unexpired at `nowSeconds`; TokenError otherwise. */
  verify(token: DecodedToken, nowSeconds: number): DashboardClaims {
    if (token.header.kid !== this.keyId) throw new TokenError('Dashboard token was signed with an unknown key');
    // An API token signed with the same secret (never the case, but a misconfiguration could make it so) is still not a dashboard token.
    if (token.header.typ !== DASHBOARD_TOKEN_TYPE) throw new TokenError('Not a dashboard token (typ)');
    const rules = { nowSeconds, clockToleranceSeconds: this.clockToleranceSeconds, issuer: DASHBOARD_TOKEN_ISSUER, audience: DASHBOARD_TOKEN_AUDIENCE, requireExpiry: true };
    let p: JwtPayload;
    try {
      p = this.jwt.verify<JwtPayload>(token.raw, { clockTimestamp: nowSeconds, clockTolerance: this.clockToleranceSeconds });
    } catch (error) {
      throw refusalOf(error, token, () => validateClaims(token.payload, rules));
    }
    validateClaims(p, rules);
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
}
