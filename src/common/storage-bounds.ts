/**
 * What PostgreSQL (and this API's timestamp format) can hold, checked before a
 * value reaches the database: out-of-range input is a 400 naming the field,
 * never a driver error turned into a 500.
 */

/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants `toApiTimestamp` can write with a 4-digit year. */
export const MIN_INSTANT_MS = -62_135_596_800_000;
export const MAX_INSTANT_MS = 253_402_300_799_999;

/** PostgreSQL bigint. */
export const BIGINT_MAX = 9_223_372_036_854_775_807n;

export function isInstantInRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

/** A positive bigint written in decimal (e.g. a serial id inside a cursor), or undefined when it is not one. */
export function parsePositiveBigint(text: string): bigint | undefined {
  if (!/^[1-9]\d{0,18}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value <= BIGINT_MAX ? value : undefined;
}

/** Text PostgreSQL cannot store as given: NUL, or a lone UTF-16 surrogate (silently turned into U+FFFD). */
const LONE_SURROGATE = /\p{Cs}/u;

export function unstorableTextReason(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode text (no lone surrogates)';
  return undefined;
}
