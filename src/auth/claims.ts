import { TokenError } from './token-error';

/** A token's claims as decoded, not yet trusted. */
export type JwtPayload = Record<string, unknown>;

/**
 * Typed reads of JWT claims, failing closed: a claim that is present with the
 * wrong type (`null` included) makes the token invalid — it is never read as
 * "absent" and never replaced by a default. Every claim the service reads goes
 * through one of these, so the rule holds for claims added later too.
 */

/** Tenant ids: what every tenant-scoped column and route accepts. */
export const TENANT_ID = /^[A-Za-z0-9_-]{1,128}$/;

function has(payload: JwtPayload, claim: string): boolean {
  return Object.prototype.hasOwnProperty.call(payload, claim);
}

function malformed(claim: string, what: string): TokenError {
  return new TokenError(`Malformed token: claim ${claim} must be ${what}`);
}

/** A string claim; undefined only when the claim is absent. */
export function optionalStringClaim(payload: JwtPayload, claim: string, options: { pattern?: RegExp; maxLength?: number } = {}): string | undefined {
  if (!has(payload, claim)) return undefined;
  const value = payload[claim];
  const maxLength = options.maxLength ?? 256;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || (options.pattern !== undefined && !options.pattern.test(value))) {
    throw malformed(claim, `a non-empty string${options.pattern ? ' of the expected form' : ''} of at most ${maxLength} characters`);
  }
  return value;
}

export function requiredStringClaim(payload: JwtPayload, claim: string, options: { pattern?: RegExp; maxLength?: number; label?: string } = {}): string {
  const value = optionalStringClaim(payload, claim, options);
  if (value === undefined) throw new TokenError(`Token has no ${options.label ?? claim}`);
  return value;
}

/** An array of strings (each checked), or undefined when absent. */
export function optionalStringArrayClaim(payload: JwtPayload, claim: string, options: { pattern?: RegExp; minItems?: number; maxItems?: number } = {}): string[] | undefined {
  if (!has(payload, claim)) return undefined;
  const value = payload[claim];
  const maxItems = options.maxItems ?? 1000;
  if (!Array.isArray(value) || value.length < (options.minItems ?? 0) || value.length > maxItems || !value.every((v) => typeof v === 'string' && (options.pattern === undefined || options.pattern.test(v)))) {
    throw malformed(claim, `an array of ${options.minItems ?? 0}–${maxItems} strings${options.pattern ? ' of the expected form' : ''}`);
  }
  return value as string[];
}

const SCOPE = /^[\x21-\x7E]{1,128}$/;

/**
 * The claims that may carry scopes, in the order they are read (first present wins), and the
 * forms each may take: RFC 9068 / OAuth 2.0 `scope` is one space-separated string; Azure AD and
 * Okta's `scp` an array or a string; `scopes` either; Auth0's `permissions` an array.
 */
export const SCOPE_CLAIMS = [
  { claim: 'scope', forms: ['string'] },
  { claim: 'scp', forms: ['string', 'array'] },
  { claim: 'scopes', forms: ['string', 'array'] },
  { claim: 'permissions', forms: ['array'] },
] as const;

function scopesOf(value: unknown, forms: readonly string[]): string[] | undefined {
  if (forms.includes('string') && typeof value === 'string' && value.length <= 8192) {
    const scopes = value.split(/\s+/).filter(Boolean);
    return scopes.every((s) => SCOPE.test(s)) ? scopes : undefined;
  }
  if (forms.includes('array') && Array.isArray(value) && value.length <= 256 && value.every((s) => typeof s === 'string' && SCOPE.test(s))) {
    return value as string[];
  }
  return undefined;
}

/**
 * The token's scopes from the first scope claim present (SCOPE_CLAIMS). Undefined only when none
 * of them is present: a `scope: null` or `scp: 7` is an invalid token, never "no scope claim"
 * (which would mean an ordinary session with the default scopes).
 */
export function scopesClaim(payload: JwtPayload): string[] | undefined {
  const present = SCOPE_CLAIMS.find(({ claim }) => has(payload, claim));
  if (present === undefined) return undefined;
  const scopes = scopesOf(payload[present.claim], present.forms);
  if (scopes === undefined) {
    throw malformed(present.claim, present.forms.length === 2 ? 'a space-separated string or an array of strings' : present.forms[0] === 'string' ? 'a space-separated string' : 'an array of strings');
  }
  return scopes;
}

/** Largest NumericDate accepted: 9999-12-31T23:59:59Z (what every date in this API can hold). */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/** A NumericDate claim (exp, nbf, iat): a finite number of seconds between 1970 and 9999; undefined when absent. */
export function numericDateClaim(payload: JwtPayload, claim: 'exp' | 'nbf' | 'iat'): number | undefined {
  if (!has(payload, claim)) return undefined;
  const value = payload[claim];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_NUMERIC_DATE) {
    throw malformed(claim, 'a number of seconds since 1970 (NumericDate) before the year 10000');
  }
  return value;
}

export interface ClaimRules {
  nowSeconds: number;
  clockToleranceSeconds: number;
  issuer?: string;
  audience?: string;
  /** Audiences reserved for other token kinds; a token naming one is refused. */
  forbiddenAudiences?: readonly string[];
  requireExpiry?: boolean;
}

function audiences(payload: JwtPayload): string[] {
  if (!has(payload, 'aud')) return [];
  const aud = payload.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud;
  throw new TokenError('Malformed token: aud must be a string or an array of strings');
}

/**
 * The registered claims of a token whose signature the JOSE library has verified: types (fail
 * closed), times against the service's clock with the tolerance, `iat` not in the future, and the
 * configured issuer and audience. The libraries check `exp`/`nbf` too, with the same clock and
 * tolerance; this is the one place that says why a token is refused when a claim is malformed.
 */
export function validateClaims(payload: JwtPayload, rules: ClaimRules): void {
  const now = rules.nowSeconds;
  const exp = numericDateClaim(payload, 'exp');
  const nbf = numericDateClaim(payload, 'nbf');
  const iat = numericDateClaim(payload, 'iat');
  if (exp === undefined && rules.requireExpiry !== false) throw new TokenError('Token has no expiry (exp)');
  if (exp !== undefined && now - rules.clockToleranceSeconds >= exp) throw new TokenError('Token has expired');
  if (nbf !== undefined && now + rules.clockToleranceSeconds < nbf) throw new TokenError('Token is not valid yet (nbf)');
  // Issued in the future (beyond the tolerance): a forged or mis-clocked issuer; refuse rather than trust its exp.
  if (iat !== undefined && iat > now + rules.clockToleranceSeconds) throw new TokenError('Token is issued in the future (iat)');
  const iss = optionalStringClaim(payload, 'iss', { maxLength: 1024 });
  if (rules.issuer !== undefined && iss !== rules.issuer) throw new TokenError('Token issuer is not accepted');
  const aud = audiences(payload);
  if (rules.audience !== undefined && !aud.includes(rules.audience)) throw new TokenError('Token audience is not accepted');
  if (rules.forbiddenAudiences?.some((forbidden) => aud.includes(forbidden))) {
    throw new TokenError('Token audience is not accepted');
  }
}
