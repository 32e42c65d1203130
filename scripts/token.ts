/**
 * Prints a JWT signed with the configured JWT_SECRET (or the development
 * secret in DATA_DIR), for Swagger UI's "Authorize" button or curl.
 *
 *   npm run token -- --customer cus_demo [--scopes faults:read,vault:read] [--service] [--subject usr_1] [--ttl 3600]
 */
import { parseArgs } from 'node:util';
import { signDevToken } from '../src/auth/dev-token';
import { AuthConfig } from '../src/config/auth.config';

function main(): void {
  const { values } = parseArgs({
    options: {
      customer: { type: 'string' },
      scopes: { type: 'string' },
      service: { type: 'boolean', default: false },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const config = AuthConfig.fromEnv(process.env);
  if (config.jwtSecret === undefined) {
    throw new Error('JWT_JWKS_URL is set: tokens come from your identity provider, not from this command');
  }
  if (!values.service && !values.customer) throw new Error('--customer <id> is required (or --service for a service token)');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new Error('--ttl must be a positive number of seconds');
  process.stdout.write(
    `${signDevToken({
      secret: config.jwtSecret,
      customerId: values.customer,
      tenantClaim: config.tenantClaim,
      subject: values.subject,
      scopes: values.scopes?.split(',').map((s) => s.trim()).filter(Boolean),
      service: values.service,
      expiresInSeconds: ttl,
      issuer: config.issuer,
      audience: config.audience,
    })}\n`,
  );
}

try {
  main();
} catch (error) {
  process.stderr.write(`token: ${(error as Error).message}\n`);
  process.exit(2);
}
