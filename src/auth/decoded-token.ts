import { JwtPayload } from './claims';
import { TokenError } from './token-error';

/**
 * A bearer token taken apart, not yet trusted: its header tells which verifier and which key
 * (`typ`, `kid`, `alg`), its payload which kind of token it claims to be (`aud`). Nothing here
 * checks a signature: that is the JOSE libraries' job (`@nestjs/jwt` for HS256, `jose` for the
 * identity provider's keys), and every verifier gets the raw token to hand them.
 */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export interface DecodedToken {
  raw: string;
  header: JwtHeader;
  payload: JwtPayload;
}

const MAX_TOKEN_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function parseSegment(segment: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(segment)) throw new TokenError(`Malformed token: ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError(`Malformed token: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError(`Malformed token: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Splits a compact JWS and reads its header and payload; a 401 saying why when it is not one. */
export function decodeToken(raw: string): DecodedToken {
  if (raw.length > MAX_TOKEN_LENGTH) throw new TokenError('Malformed token: too long');
  const parts = raw.split('.');
  if (parts.length !== 3) throw new TokenError('Malformed token: expected three dot-separated parts');
  const [h, p, s] = parts as [string, string, string];
  const header = parseSegment(h, 'header');
  if (typeof header.alg !== 'string') throw new TokenError('Malformed token: header has no alg');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new TokenError('Malformed token: kid is not a string');
  if (header.typ !== undefined && typeof header.typ !== 'string') throw new TokenError('Malformed token: typ is not a string');
  if (header.crit !== undefined) throw new TokenError('Unsupported token: critical header parameters');
  if (!BASE64URL.test(s)) throw new TokenError('Malformed token: signature is not base64url');
  return { raw, header: header as unknown as JwtHeader, payload: parseSegment(p, 'payload') };
}
