import { LoggerService } from '@nestjs/common';
import { Logger } from 'pino';

/** Nest's per-route start-up lines (~80 on every start): details for debugging, not news at info. */
const ROUTE_MAPPING_CONTEXTS = new Set(['RouterExplorer', 'RoutesResolver']);

/** Routes Nest's own logging (and every `new Logger(Context)`) into the one pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, context?: string): void {
    this.write(context !== undefined && ROUTE_MAPPING_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    const ctx = context ?? stackOrContext;
    if (message instanceof Error) {
      this.pino.error({ context: ctx, err: message }, message.message);
    } else {
      this.pino.error({ context: ctx, ...(context && stackOrContext ? { stack: stackOrContext } : {}) }, String(message));
    }
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string): void {
    if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}
