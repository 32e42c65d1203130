import { randomBase62 } from '../../common/base62';

const CODE_LENGTH = 12;
/** What a short code may look like (codes minted earlier or later may differ in length). */
export const SHORT_CODE_PATTERN = /^[0-9A-Za-z]{10,32}$/;

/** A dashboard token's short code: 12 random base62 characters (≈71 bits). */
export function newShortCode(): string {
  return randomBase62(CODE_LENGTH);
}
