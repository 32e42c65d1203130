import { trace } from '@opentelemetry/api';
import pino, { DestinationStream, Logger } from 'pino';
import { LogLevel } from '../config/app.config';
import { RepeatLimiter } from './repeat-limiter';
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

const WARN = 40;
const BASE = { service: 'netops-faults-vault' };

export interface LoggedRequest {
  method?: string;
  url?: string;
  routeOptions?: { url?: string };
  ip?: string;
}

/** A request as logged: method, route and path, never the query string (it may carry a dashboard token) or a header. */
export function requestSummary(req: LoggedRequest): { method?: string; path?: string; route?: string; ip?: string } {
  return {
    method: req.method,
    path: req.url?.split('?')[0]?.replace(/^\/(fault\/token|s)\/[^/]+/, '/$1/[redacted]'),
    route: req.routeOptions?.url,
    ip: req.ip,
  };
}

/**
 * Whether the logger already names the request (Fastify's per-request child loggers bind reqId).
 * Read from the bindings pino keeps serialized: logger.bindings() would JSON.parse them on every line.
 */
function hasRequestIdBinding(logger: Logger): boolean {
  const serialized = (logger as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym];
  return typeof serialized === 'string' && serialized.includes('"reqId":');
}

/**
 * Standard output, written asynchronously: a log line never blocks the request that wrote it (a
 * synchronous write per line was the largest single cost of a light read under load). pino flushes
 * what is pending synchronously when the process exits, including after a fatal error (main.ts).
 */
export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

/**
 * Where the service's lines go: readable lines (pino-pretty, a development dependency) when a person
 * watches a terminal in development; JSON lines otherwise — production, pipes, files, log shippers, and
 * wherever pino-pretty is not installed (the production image prunes development dependencies).
 */
export function consoleDestination(development: boolean, stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): DestinationStream {
  const json = (): DestinationStream => (stdout === process.stdout ? stdoutDestination() : stdout);
  if (!development || stdout.isTTY !== true) return json();
  let pretty: (options: Record<string, unknown>) => DestinationStream;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pretty = require('pino-pretty') as typeof pretty;
  } catch {
    return json();
  }
  // Synchronous: a terminal in development, where nothing may be lost when the process exits.
  const destination = stdout === process.stdout ? 1 : stdout;
  return pretty({ destination, colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

export function createLogger(level: LogLevel, destination: DestinationStream = stdoutDestination()): Logger {
  const repeats = new RepeatLimiter();
  return pino(
    {
      level,
      hooks: {
        // Identical warnings are rate-limited (errors and fatals always pass): see RepeatLimiter.
        logMethod(args: unknown[], method: (...a: unknown[]) => void, level: number) {
          if (level !== WARN) return method.apply(this, args);
          const message = args.find((a) => typeof a === 'string') ?? '';
          const admitted = repeats.admit(String(message));
          if (admitted === undefined) return;
          if (admitted === 0) return method.apply(this, args);
          const [first, ...rest] = args;
          return typeof first === 'object' && first !== null
            ? method.apply(this, [{ ...first, repeatsSuppressed: admitted }, ...rest])
            : method.apply(this, [{ repeatsSuppressed: admitted }, ...args]);
        },
      },
      base: BASE,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      messageKey: 'msg',
      // Every line logged while serving a request names it (Fastify's own request logs already do), and its trace.
      mixin(_object: object, _level: number, logger: Logger) {
        const reqId = currentRequestId();
        const ids = reqId === undefined || hasRequestIdBinding(logger) ? {} : { reqId };
        // With tracing on, a line written inside a span names it (trace.getActiveSpan() is undefined otherwise).
        const span = trace.getActiveSpan()?.spanContext();
        return span === undefined ? ids : { ...ids, trace_id: span.traceId, span_id: span.spanId };
      },
      serializers: { req: requestSummary },
    },
    destination,
  );
}

/**
 * The access log's own logger: the same stream, level and line format as `logger`, without redaction,
 * serializers or the request-id mixin. It writes one line per request, holding only fields it builds
 * itself (requestSummary, the status, the time): nothing in it can be a secret, so the redaction pass
 * every other line gets would only cost time on every request.
 */
export function accessLoggerFor(logger: Logger): Logger {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  return pino({ level: logger.level, base: BASE, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' }, stream);
}
