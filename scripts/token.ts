/**
 * Prints a JWT signed with the configured JWT_SECRET (or the development
 * secret in DATA_DIR), for Swagger UI's "Authorize" button or curl.
 *
 *   npm run token -- --customer cus_demo [--scopes faults:read,vault:read] [--service] [--subject usr_1] [--ttl 3600]
 *   npm run token -- --service --scopes vault:use --customers cus_a,cus_b   (a service token limited to those tenants)
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signDevToken } from '../src/auth/dev-token';
import { SERVICE_SCOPES, USER_SCOPES } from '../src/common/scopes';
import { AppConfig } from '../src/config/app.config';
import { AuthConfig } from '../src/config/auth.config';

const USAGE = `Usage: npm run -s token -- [options]

Prints a JWT signed with this service's JWT_SECRET (in development the secret generated into
DATA_DIR), for curl or Swagger UI's Authorize button. Says on stderr which secret it used: run it
with the DATA_DIR (or JWT_SECRET) the service runs with, or the service answers 401.

  --customer <id>     tenant of a user token (required unless --service), e.g. cus_demo
  --scopes <a,b>      comma-separated scopes; omit for a user session with every user scope
                      user scopes:    ${USER_SCOPES.join(', ')}
                      service scopes: ${SERVICE_SCOPES.join(', ')}
  --service           a service token (token_use "service", no tenant), e.g. --service --scopes vault:use
  --customers <a,b>   with --service: the only tenants the token may name (claim customer_ids)
  --subject <sub>     the token's subject (default usr_dev, or workflow-runner with --service)
  --ttl <seconds>     lifetime in seconds (default 3600)
  -h, --help          this text

Examples:
  TOKEN=$(npm run -s token -- --customer cus_demo)
  SVC=$(npm run -s token -- --service --scopes vault:use,faults:ingest)
`;

class UsageError extends Error {}

/** The scopes given, each checked against the kind of token being made. */
export function parseScopes(raw: string | undefined, service: boolean): string[] | undefined {
  if (raw === undefined) return undefined;
  const scopes = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const valid: readonly string[] = service ? SERVICE_SCOPES : USER_SCOPES;
  const unknown = scopes.filter((s) => !valid.includes(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown ${service ? 'service' : 'user'} scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid ${service ? 'service' : 'user'} scopes: ${valid.join(', ')}`,
    );
  }
  return scopes;
}

/** Which secret signs the token, in the service's words: JWT_SECRET, or the development secret in the service's DATA_DIR. */
export function secretSource(config: AuthConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (!config.jwtSecretGenerated) return 'signed with JWT_SECRET from the environment';
  // The same folder the service resolves (AppConfig): DATA_DIR, or ./.data of the checkout `npm run` runs in.
  const dataDir = AppConfig.fromEnv(env).dataDir;
  return `signed with the development secret in ${path.join(dataDir, 'secrets', 'jwt-secret')} (DATA_DIR=${dataDir}); the service must run with this DATA_DIR`;
}

function main(argv: string[]): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        customer: { type: 'string' },
        scopes: { type: 'string' },
        service: { type: 'boolean', default: false },
        customers: { type: 'string' },
        subject: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.service && !values.customer) throw new UsageError('--customer <id> is required (or --service for a service token)');
  if (values.customers !== undefined && !values.service) throw new UsageError('--customers is for service tokens (--service)');
  const scopes = parseScopes(values.scopes, values.service);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError('--ttl must be a positive number of seconds');
  const config = AuthConfig.fromEnv(process.env);
  if (config.jwtSecret === undefined) {
    throw new Error('JWT_JWKS_URL is set: tokens come from your identity provider, not from this command');
  }
  process.stderr.write(`token: ${secretSource(config)}\n`);
  process.stdout.write(
    `${signDevToken({
      secret: config.jwtSecret,
      customerId: values.customer,
      tenantClaim: config.tenantClaim,
      subject: values.subject,
      scopes,
      service: values.service,
      customerIds: values.customers?.split(',').map((s) => s.trim()).filter(Boolean),
      expiresInSeconds: ttl,
      issuer: config.issuer,
      audience: config.audience,
    })}\n`,
  );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`token: ${(error as Error).message}\n`);
    if (error instanceof UsageError) process.stderr.write('Run `npm run token -- --help` for the options.\n');
    process.exit(2);
  }
}
