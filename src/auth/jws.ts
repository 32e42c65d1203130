import { KeyObject, createHmac, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { numericDateClaim, optionalStringClaim } from './claims';
import { TokenError } from './token-error';

/**
 * The service's one JWT toolkit: compact JWS (JWT) signing, decoding and
 * verification on node:crypto, with the
 * algorithm pinned by the *key*: an HMAC key only verifies HS256, an RSA key
 * only RS256, a P-256 key only ES256, an Ed25519 key only EdDSA. So `alg: none`
 * and algorithm confusion (HS256 "signed" with a public key) cannot pass.
 * Keys are KeyObjects created once; nothing is parsed per request but the token.
 */
export type JwsAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export type JwtPayload = Record<string, unknown>;

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
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

export function decodeJwt(token: string): DecodedJwt {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('Malformed token: too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('Malformed token: expected three dot-separated parts');
  const [h, p, s] = parts as [string, string, string];
  const header = parseSegment(h, 'header');
  if (typeof header.alg !== 'string') throw new TokenError('Malformed token: header has no alg');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new TokenError('Malformed token: kid is not a string');
  if (header.crit !== undefined) throw new TokenError('Unsupported token: critical header parameters');
  if (!BASE64URL.test(s)) throw new TokenError('Malformed token: signature is not base64url');
  return {
    header: header as unknown as JwtHeader,
    payload: parseSegment(p, 'payload'),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

/** The one algorithm a key may verify, or undefined for a key we do not accept. */
export function algorithmForKey(key: KeyObject): JwsAlgorithm | undefined {
  if (key.type === 'secret') return 'HS256';
  if (key.type !== 'public') return undefined;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 ? 'RS256' : undefined;
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : undefined;
    case 'ed25519':
      return 'EdDSA';
    case 'dsa':
    case 'ed448':
    case 'rsa-pss':
    case 'x25519':
    case 'x448':
    case undefined:
      return undefined;
  }
}

export function verifySignature(jwt: DecodedJwt, key: KeyObject): void {
  const expected = algorithmForKey(key);
  if (jwt.header.alg === 'none' || expected === undefined || jwt.header.alg !== expected) {
    throw new TokenError(`Token algorithm ${jwt.header.alg} is not accepted`);
  }
  const data = Buffer.from(jwt.signingInput, 'ascii');
  let valid: boolean;
  switch (expected) {
    case 'HS256': {
      const mac = createHmac('sha256', key).update(data).digest();
      valid = mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature);
      break;
    }
    case 'RS256':
      valid = cryptoVerify('sha256', data, key, jwt.signature);
      break;
    case 'ES256':
      valid = jwt.signature.length === 64 && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      break;
    case 'EdDSA':
      valid = cryptoVerify(null, data, key, jwt.signature);
      break;
  }
  if (!valid) throw new TokenError('Token signature is invalid');
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
  if (!Object.prototype.hasOwnProperty.call(payload, 'aud')) return [];
  const aud = payload.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud;
  throw new TokenError('Malformed token: aud must be a string or an array of strings');
}

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

/**
 * Signs a JWT with an HMAC key (HS256, the only algorithm this service signs
 * with: its own dashboard tokens and development tokens). The header carries
 * `kid` when given.
 */
export function signJwt(payload: JwtPayload, key: KeyObject, kid?: string): string {
  if (algorithmForKey(key) !== 'HS256') throw new Error('signJwt signs with HMAC (secret) keys only');
  const header: JwtHeader = kid === undefined ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256', typ: 'JWT', kid };
  const segment = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const signingInput = `${segment(header)}.${segment(payload)}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput, 'ascii').digest('base64url')}`;
}
