import { Logger as NestLogger } from '@nestjs/common';
import { Logger as TypeOrmLoggerInterface } from 'typeorm';

/**
 * TypeORM's own loggers print failed queries with their parameters — which
 * may be a sealed secret, an API-key hash or a token hash. This one routes
 * TypeORM's messages into the service's logger and never logs a parameter.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new NestLogger('Database');

  constructor(private readonly logQueries: boolean) {}

  logQuery(query: string): void {
    if (this.logQueries) this.logger.debug({ query: oneLine(query) });
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ query: oneLine(query), error: typeof error === 'string' ? error : error.message }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query: oneLine(query), ms: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    if (this.logQueries) this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else if (this.logQueries) this.logger.debug(String(message));
  }
}

function oneLine(query: string): string {
  return query.replace(/\s+/g, ' ').slice(0, 500);
}
