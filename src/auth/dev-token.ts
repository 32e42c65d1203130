import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';

export interface DevTokenOptions {
  secret: string;
  customerId?: string;
  tenantClaim?: string;
  subject?: string;
  scopes?: string[];
  service?: boolean;
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
}

/**
 * Signs an HS256 token the way an identity provider would, for development
 * (`npm run token`) and tests. Production tokens come from the real provider.
 */
export function signDevToken(options: DevTokenOptions): string {
  const payload: Record<string, unknown> = { jti: randomUUID() };
  if (options.service) payload.token_use = 'service';
  else payload[options.tenantClaim ?? 'customer_id'] = options.customerId;
  if (options.scopes !== undefined) payload.scopes = options.scopes;
  return new JwtService().sign(payload, {
    secret: options.secret,
    algorithm: 'HS256',
    subject: options.subject ?? (options.service ? 'workflow-runner' : 'usr_dev'),
    expiresIn: options.expiresInSeconds ?? 3600,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  });
}
