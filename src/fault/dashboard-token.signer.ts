import { KeyObject, createHmac, createSecretKey } from 'node:crypto';
import { DecodedJwt, signJwt, validateClaims, verifySignature } from '../auth/jws';
import { TokenError } from '../auth/token-error';

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
 * Signs and verifies dashboard tokens (HS256 under FAULT_TOKEN_SECRET, with a
 * `kid` derived from it, our issuer, audience and scope) through the service's
 * one JWT toolkit. Whether a token is still usable is the service's rule.
 */
export class DashboardTokenSigner {
  readonly keyId: string;
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.keyId = createHmac('sha256', secret).update('fault-dashboard-kid').digest('base64url').slice(0, 16);
  }

  /** Deterministic: the same claims give the same token (a short link re-signs from the stored row). */
  sign(claims: DashboardClaims): string {
    return signJwt(
      {
        iss: DASHBOARD_TOKEN_ISSUER,
        aud: DASHBOARD_TOKEN_AUDIENCE,
        sub: claims.sub,
        customer_id: claims.customer_id,
        scope: DASHBOARD_TOKEN_SCOPE,
        jti: claims.jti,
        iat: claims.iat,
        exp: claims.exp,
      },
      this.key,
      this.keyId,
    );
  }

  /** The claims of a token signed by this key and unexpired at `nowSeconds`; TokenError otherwise. */
  verify(jwt: DecodedJwt, nowSeconds: number): DashboardClaims {
    if (jwt.header.kid !== this.keyId) throw new TokenError('Dashboard token was signed with an unknown key');
    verifySignature(jwt, this.key);
    validateClaims(jwt.payload, {
      nowSeconds,
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
}
