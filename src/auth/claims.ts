import { TokenError } from './token-error';
import { JwtPayload } from './jws';

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
 * `scopes` (array of strings, or one space-separated string), else `permissions`
 * (same forms). Undefined only when neither claim is present: a `scopes: null`
 * is an invalid token, not "no scopes claim".
 */
export function scopesClaim(payload: JwtPayload): string[] | undefined {
  const claim = has(payload, 'scopes') ? 'scopes' : has(payload, 'permissions') ? 'permissions' : undefined;
  if (claim === undefined) return undefined;
  const value = payload[claim];
  if (typeof value === 'string' && value.length <= 8192) {
    const scopes = value.split(/\s+/).filter(Boolean);
    if (scopes.every((s) => SCOPE.test(s))) return scopes;
  } else if (Array.isArray(value) && value.length <= 256 && value.every((s) => typeof s === 'string' && SCOPE.test(s))) {
    return value as string[];
  }
  throw malformed(claim, 'a space-separated string or an array of strings');
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
