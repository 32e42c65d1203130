import { Env, EnvReader } from './env';

/** How user and service JWTs from the identity provider are verified. */
export class AuthConfig {
  /** HS256 shared secret (development, tests); unused when a JWKS URL is set. */
  readonly jwtSecret!: string | undefined;
  /** Where the identity provider publishes its public keys (RS256/ES256/EdDSA). */
  readonly jwksUrl!: string | undefined;
  readonly issuer!: string | undefined;
  readonly audience!: string | undefined;
  /** Claim that carries the tenant (customer) id. */
  readonly tenantClaim!: string;
  readonly clockToleranceSeconds!: number;
  /** Minimum seconds between two JWKS fetches triggered by an unknown `kid`. */
  readonly jwksCooldownSeconds!: number;
  /** Seconds a fetched JWKS is trusted before it is refreshed. */
  readonly jwksCacheSeconds!: number;
  /** Refuse service tokens without a `customer_ids` claim on every call that names a tenant. */
  readonly serviceTokensRequireTenants!: boolean;

  static fromEnv(env: Env): AuthConfig {
    const r = new EnvReader(env);
    const jwksUrl = r.url('JWT_JWKS_URL', ['https', 'http']);
    const jwtSecret =
      jwksUrl === undefined
        ? r.secret('JWT_SECRET', { devFile: 'jwt-secret', required: 'NODE_ENV=production and JWT_JWKS_URL is not set' })
        : undefined;
    if (jwksUrl !== undefined && r.isProduction && !jwksUrl.startsWith('https:')) {
      r.fail('JWT_JWKS_URL', 'must use https when NODE_ENV=production');
    }
    const tenantClaim = r.string('JWT_TENANT_CLAIM', 'customer_id');
    if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(tenantClaim)) r.fail('JWT_TENANT_CLAIM', 'must be a claim name');
    const config: AuthConfig = {
      jwtSecret: jwksUrl === undefined ? jwtSecret : undefined,
      jwksUrl,
      issuer: r.string('JWT_ISSUER'),
      audience: r.string('JWT_AUDIENCE'),
      tenantClaim,
      clockToleranceSeconds: r.int('JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
      jwksCooldownSeconds: r.int('JWT_JWKS_COOLDOWN_SECONDS', 5, 0, 3600),
      jwksCacheSeconds: r.int('JWT_JWKS_CACHE_SECONDS', 600, 10, 86_400),
      serviceTokensRequireTenants: r.bool('SERVICE_TOKENS_REQUIRE_TENANTS', false),
    };
    r.done();
    return Object.freeze(config);
  }
}
