import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter, nestOptions } from './app.setup';
import { AppConfig } from './config/app.config';
import { DatabaseConfig } from './config/database.config';
import { configurationProblems, formatConfigurationProblems } from './config/validate-config';
import { EmbeddedPostgresError } from './database/embedded-postgres';
import { openDatabase } from './database/open-database';
import { LivenessState } from './health/liveness-state';
import { ShutdownState } from './health/shutdown-state';
import { createLogger } from './logging/logger';

async function bootstrap(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  // Every configuration problem in one block before anything starts (not one per restart).
  const problems = configurationProblems(process.env);
  if (problems.length > 0) {
    process.stderr.write(formatConfigurationProblems(problems, process.env));
    process.exit(1);
  }
  const config = AppConfig.fromEnv(process.env);
  const logger = createLogger(config.logLevel);
  // Whatever escapes every handler is logged as one JSON line like everything else (not a multi-line dump).
  // A rejected background promise (a library's retry loop during a database outage) is logged and the
  // service keeps serving; an uncaught exception leaves the process in an unknown state, so it exits.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(1);
  });
  const database = await openDatabase(
    DatabaseConfig.fromEnv(process.env),
    config.dataDir,
    (msg) => logger.info({ component: 'database' }, msg),
    (msg) => logger.warn({ component: 'database' }, msg),
  ).catch((error: unknown) => {
    // A setup problem (port taken, DATA_DIR not enterable…): one line saying what to change, no stack.
    if (!(error instanceof EmbeddedPostgresError)) throw error;
    logger.fatal({ component: 'database' }, error.message);
    logger.flush();
    process.exit(1);
  });

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
    // The embedded database died and could not be restarted: fail liveness, then exit non-zero so that an
    // orchestrator (or the person at the terminal) starts a fresh process.
    database.onGiveUp((reason) => {
      logger.fatal({ component: 'database' }, `${reason}; exiting`);
      app?.get(LivenessState).fail(reason);
      process.exitCode = 1;
      setTimeout(() => void shutdown('database-failure'), config.shutdownDrainMs).unref();
    });
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
