import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';

export interface DevTokenOptions {
  secret: string;
  customerId?: string;
  tenantClaim?: string;
  subject?: string;
  scopes?: string[];
  service?: boolean;
  /** Service tokens: the tenants they may name (`customer_ids`). */
  customerIds?: string[];
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
}

/**
 * Signs an HS256 token the way an identity provider would, for development
 * (`npm run token`) and tests. Production tokens come from the real provider.
 */
export function signDevToken(options: DevTokenOptions): string {
  const iat = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { jti: randomUUID() };
  if (options.service) payload.token_use = 'service';
  if (options.service && options.customerIds !== undefined) payload.customer_ids = options.customerIds;
  else payload[options.tenantClaim ?? 'customer_id'] = options.customerId;
  if (options.scopes !== undefined) payload.scopes = options.scopes;
  payload.iat = iat;
  payload.exp = iat + (options.expiresInSeconds ?? 3600);
  if (options.audience) payload.aud = options.audience;
  if (options.issuer) payload.iss = options.issuer;
  payload.sub = options.subject ?? (options.service ? 'workflow-runner' : 'usr_dev');
  return new JwtService({ secret: options.secret }).sign(payload, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT' } });
}
