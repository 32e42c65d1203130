import { JwtPayload, optionalStringClaim } from './claims';
import { JwtHeader } from './decoded-token';
import { TokenError } from './token-error';

/** The `typ` of the dashboard tokens this service mints: never an API token. */
export const DASHBOARD_TOKEN_TYPE = 'netops-dashboard+jwt';

/** `typ` values of an access token (RFC 7519, RFC 9068), compared without case and `application/`. */
const ACCESS_TYPES = new Set(['jwt', 'at+jwt']);

/** Keycloak's payload `typ` claim of tokens that are not access tokens. */
const NOT_ACCESS_PAYLOAD_TYPES: Record<string, string> = { id: 'an ID token', refresh: 'a refresh token', offline: 'a refresh token' };

/** `token_use` values: who an access token speaks for, or what else the token is. */
const TOKEN_USES: Record<string, { kind: 'user' | 'service' } | { not: string }> = {
  access: { kind: 'user' },
  service: { kind: 'service' },
  id: { not: 'an ID token' },
  refresh: { not: 'a refresh token' },
};

/**
 * Only access tokens open the API: `token_use` absent, `access` or `service`; the `typ` header
 * absent, `JWT` or `at+jwt`. An OIDC ID token, a refresh token or one of our dashboard tokens
 * presented as an API token is refused with the reason. Returns who the token speaks for.
 */
export function accessTokenKind(header: JwtHeader, payload: JwtPayload): 'user' | 'service' {
  if (header.typ !== undefined) {
    const typ = header.typ.toLowerCase().replace(/^application\//, '');
    if (typ === DASHBOARD_TOKEN_TYPE) throw new TokenError('A dashboard token is not an API token; use it on the dashboard endpoints');
    if (!ACCESS_TYPES.has(typ)) throw new TokenError('Token type (typ header) is not an access token: send a JWT access token (typ JWT or at+jwt)');
  }
  const payloadType = typeof payload.typ === 'string' ? NOT_ACCESS_PAYLOAD_TYPES[payload.typ.toLowerCase()] : undefined;
  if (payloadType !== undefined) throw new TokenError(`Token is ${payloadType}, not an access token`);
  const use = optionalStringClaim(payload, 'token_use', { maxLength: 64 });
  if (use === undefined) return 'user';
  const known = Object.prototype.hasOwnProperty.call(TOKEN_USES, use) ? TOKEN_USES[use] : undefined;
  if (known === undefined) throw new TokenError('Token kind (token_use) is not accepted: access or service tokens only');
  if ('not' in known) throw new TokenError(`Token is ${known.not}, not an access token`);
  return known.kind;
}
