import pino, { DestinationStream, Logger } from 'pino';
import { LogLevel } from '../config/app.config';
import { currentRequestId } from './request-context';

/**
 * Paths redacted from every log line. Secret values never reach a logger by
 * design; this is the second line of defence for headers and bodies.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.api_key',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.jwtSecret',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'netops-faults-vault' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      messageKey: 'msg',
      // Every line logged while serving a request names it (Fastify's own request logs already do).
      mixin(_object: object, _level: number, logger: Logger) {
        const reqId = currentRequestId();
        return reqId === undefined || logger.bindings().reqId !== undefined ? {} : { reqId };
      },
      serializers: {
        // Log the route and method, never the query string (it may carry a dashboard token).
        req: (req: { method?: string; url?: string; routeOptions?: { url?: string }; ip?: string }) => ({
          method: req.method,
          path: req.url?.split('?')[0]?.replace(/^\/(fault\/token|s)\/[^/]+/, '/$1/[redacted]'),
          route: req.routeOptions?.url,
          ip: req.ip,
        }),
      },
    },
    destination,
  );
}
