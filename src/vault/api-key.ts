import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { toBase62 } from '../common/base62';

const PREFIX = 'wfk_';
const BODY_CHARS = 43; // 32 random bytes = 256 bits, in base62
const CHECKSUM_CHARS = 6; // CRC32 of the body, in base62
export const API_KEY_PATTERN = /^wfk_[0-9A-Za-z]{49}$/;

function checksum(body: string): string {
  return toBase62(BigInt(crc32(body)), CHECKSUM_CHARS);
}

/**
 * A workflow API key: `wfk_` + 256 random bits (43 base62 characters) + a
 * 6-character CRC32 checksum, so leak scanners can recognise the format and
 * reject near-misses offline. Shown once; only its SHA-256 is stored (the key
 * is 256 random bits, so a fast hash is as safe as a slow one and keeps
 * verification to one indexed lookup).
 */
export function generateApiKey(random: Buffer = randomBytes(32)): string {
  const body = toBase62(random, BODY_CHARS);
  return `${PREFIX}${body}${checksum(body)}`;
}

/** Shape and checksum are right (says nothing about whether the key exists). */
export function isWellFormedApiKey(key: string): boolean {
  if (!API_KEY_PATTERN.test(key)) return false;
  const body = key.slice(PREFIX.length, PREFIX.length + BODY_CHARS);
  return checksum(body) === key.slice(PREFIX.length + BODY_CHARS);
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Constant-time comparison of a presented key with a stored hash. */
export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const presented = hashApiKey(key);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}
