import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter, nestOptions } from './app.setup';
import { AppConfig } from './config/app.config';
import { DatabaseConfig } from './config/database.config';
import { openDatabase } from './database/open-database';
import { ShutdownState } from './health/shutdown-state';
import { createLogger } from './logging/logger';

async function bootstrap(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  const config = AppConfig.fromEnv(process.env);
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(DatabaseConfig.fromEnv(process.env), config.dataDir, (msg) => logger.info({ component: 'database' }, msg));

  let app: NestFastifyApplication | undefined;
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000 + config.shutdownDrainMs);
    timer.unref();
    try {
      if (app) {
        app.get(ShutdownState).beginDrain();
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
      }
      await app?.close(); // stop accepting, finish in-flight requests, close the pool
    } finally {
      await database.close(); // stop the embedded PostgreSQL, if this process started it
      logger.info('stopped');
      logger.flush();
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));

  try {
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register({ databaseUrl: database.url }),
      createFastifyAdapter(config, logger),
      nestOptions(logger),
    );
    await configureApp(app);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await app?.close().catch(() => undefined);
    await database.close();
    process.exit(1);
  }
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  logger.info({ port: config.port, embeddedDatabase: database.embedded, startupMs: Math.round(ms) }, `listening on http://localhost:${config.port} (Swagger UI at /docs)`);
}

void bootstrap();
