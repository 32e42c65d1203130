import { USER_SCOPES, UserScope } from '../common/scopes';
import { Env, readConfig } from './env';

/** How user and service JWTs from the identity provider are verified. */
export class AuthConfig {
  /** HS256 shared secret (development, tests); unused when a JWKS URL is set. */
  readonly jwtSecret!: string | undefined;
  /** Whether the secret was generated into DATA_DIR (development): a bad signature then hints at `npm run token`. */
  readonly jwtSecretGenerated!: boolean;
  /** Where the identity provider publishes its public keys (RS256/ES256/EdDSA). */
  readonly jwksUrl!: string | undefined;
  readonly issuer!: string | undefined;
  readonly audience!: string | undefined;
  /** Claim that carries the tenant (customer) id. */
  readonly tenantClaim!: string;
  readonly clockToleranceSeconds!: number;
  /** Least seconds between two JWKS fetches (an unknown `kid`, a revalidation): a rotated key is accepted within it. */
  readonly jwksCooldownSeconds!: number;
  /** Most seconds the keys of a JWKS fetch are trusted without a newer fetch confirming them. */
  readonly jwksCacheSeconds!: number;
  /** Deadline of one JWKS fetch, body included. */
  readonly jwksTimeoutMs!: number;
  /** Scopes of a user token that carries no scope claim at all (every user scope unless narrowed). */
  readonly defaultUserScopes!: readonly UserScope[];
  /** Refuse service tokens without a `customer_ids` claim on every call that names a tenant. */
  readonly serviceTokensRequireTenants!: boolean;

  static fromEnv(env: Env): AuthConfig {
    return readConfig(env, (r): AuthConfig => {
      const jwksUrl = r.url('JWT_JWKS_URL', ['https', 'http']);
      const jwtSecretSet = r.string('JWT_SECRET') !== undefined;
      const jwtSecret =
        jwksUrl === undefined
          ? r.secret('JWT_SECRET', { devFile: 'jwt-secret', required: 'NODE_ENV=production and JWT_JWKS_URL is not set' })
          : undefined;
      const issuer = r.string('JWT_ISSUER');
      const audience = r.string('JWT_AUDIENCE');
      if (jwksUrl !== undefined && r.isProduction) {
        if (!jwksUrl.startsWith('https:')) r.fail('JWT_JWKS_URL', 'must use https when NODE_ENV=production');
        // Without them any token the provider signs (an ID token, a token for another API) would open this one.
        if (issuer === undefined) r.fail('JWT_ISSUER', "is required with JWT_JWKS_URL when NODE_ENV=production (the identity provider's issuer, the tokens' iss)");
        if (audience === undefined) r.fail('JWT_AUDIENCE', "is required with JWT_JWKS_URL when NODE_ENV=production (this API's identifier at the provider, the tokens' aud)");
      }
      const tenantClaim = r.string('JWT_TENANT_CLAIM', 'customer_id');
      if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(tenantClaim)) r.fail('JWT_TENANT_CLAIM', 'must be a claim name');
      const defaults = r.list('JWT_DEFAULT_USER_SCOPES');
      const unknown = defaults.filter((s) => !(USER_SCOPES as readonly string[]).includes(s));
      if (unknown.length > 0) r.fail('JWT_DEFAULT_USER_SCOPES', `must list user scopes (${USER_SCOPES.join(', ')}); unknown: ${unknown.join(', ')}`);
      return {
        jwtSecret: jwksUrl === undefined ? jwtSecret : undefined,
        jwtSecretGenerated: jwksUrl === undefined && !jwtSecretSet && !r.isProduction,
        jwksUrl,
        issuer,
        audience,
        tenantClaim,
        clockToleranceSeconds: r.int('JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
        jwksCooldownSeconds: r.int('JWT_JWKS_COOLDOWN_SECONDS', 5, 1, 3600),
        jwksCacheSeconds: r.int('JWT_JWKS_CACHE_SECONDS', 600, 10, 86_400),
        jwksTimeoutMs: r.int('JWT_JWKS_TIMEOUT_MS', 2000, 100, 30_000),
        defaultUserScopes: defaults.length > 0 && unknown.length === 0 ? (defaults as UserScope[]) : USER_SCOPES,
        // Production fails closed: a service token names only the tenants its customer_ids claim lists.
        serviceTokensRequireTenants: r.bool('SERVICE_TOKENS_REQUIRE_TENANTS', r.isProduction),
      };
    });
  }
}
