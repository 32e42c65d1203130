import { createHmac, randomUUID } from 'node:crypto';
import { signDevToken } from '../../src/auth/dev-token';
import { TEST_JWT_SECRET } from './env';
import { recordSecret } from './secret-ledger';

/** A user session for a tenant; no `scopes` claim means every user scope. */
export function userToken(customerId: string, options: { scopes?: string[]; subject?: string; expiresInSeconds?: number } = {}): string {
  return recordSecret(signDevToken({ secret: TEST_JWT_SECRET, customerId, ...options }));
}

/**
 * A user session issued at `issuedAtSeconds`: the service refuses tokens issued in its future, so tests that move
 * an injected clock back in time use a session issued before that time (valid for 30 days beyond real now).
 */
export function userTokenIssuedAt(customerId: string, issuedAtSeconds: number, subject = 'usr_dev'): string {
  const exp = Math.max(issuedAtSeconds, Math.floor(Date.now() / 1000)) + 30 * 86_400;
  return rawToken({ alg: 'HS256', typ: 'JWT' }, { sub: subject, customer_id: customerId, jti: randomUUID(), iat: issuedAtSeconds, exp });
}

export function serviceToken(scopes: string[], subject = 'workflow-runner', customerIds?: string[], expiresInSeconds?: number): string {
  return recordSecret(signDevToken({ secret: TEST_JWT_SECRET, service: true, scopes, subject, customerIds, expiresInSeconds }));
}

/** Hand-built tokens for attacks: any header, any payload, signed (or not) as asked. */
export function rawToken(header: object, payload: object, secret: string | null = TEST_JWT_SECRET): string {
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = secret === null ? '' : createHmac('sha256', secret).update(input).digest('base64url');
  return recordSecret(`${input}.${signature}`);
}

export function newTenant(prefix = 'cus'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}
