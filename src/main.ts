import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'pino';
import { StartupError } from './common/startup-error';
import { AppConfig } from './config/app.config';
import { DatabaseConfig } from './config/database.config';
import { configurationProblems, formatConfigurationProblems } from './config/validate-config';
import { databaseUrlFailure } from './database/database-url-check';
import { DatabaseLocation, openDatabase } from './database/open-database';
import { checkListen, listenFailure } from './listen-check';
import { consoleDestination, createLogger } from './logging/logger';

/** A start that cannot succeed as configured: one fatal line naming the variable to change, exit code 1. */
function refuseStart(logger: Logger, error: StartupError): never {
  logger.fatal(error.message);
  logger.flush();
  process.exit(1);
}

async function bootstrap(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  // Every configuration problem in one block before anything starts (not one per restart).
  const problems = configurationProblems(process.env);
  if (problems.length > 0) {
    process.stderr.write(formatConfigurationProblems(problems, process.env));
    process.exit(1);
  }
  const config = AppConfig.fromEnv(process.env);
  const databaseConfig = DatabaseConfig.fromEnv(process.env);
  const logger = createLogger(config.logLevel, consoleDestination(!config.isProduction));
  // Whatever escapes every handler is logged as one JSON line like everything else (not a multi-line dump).
  // A rejected background promise (a library's retry loop during a database outage) is logged and the
  // service keeps serving; an uncaught exception leaves the process in an unknown state, so it exits.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(1);
  });
  // What the operator must change is found before anything starts: a taken PORT, an unusable DATABASE_URL,
  // a taken EMBEDDED_PG_PORT or a DATA_DIR the database cannot enter. Each is one line (StartupError).
  let database: DatabaseLocation;
  try {
    await checkListen(config.host, config.port);
    database = await openDatabase(
      databaseConfig,
      config.dataDir,
      (msg) => logger.info({ component: 'database' }, msg),
      (msg) => logger.warn({ component: 'database' }, msg),
    );
  } catch (error) {
    if (error instanceof StartupError) refuseStart(logger, error);
    throw error;
  }

  let app: NestFastifyApplication | undefined;
  let beginDrain: (() => void) | undefined;
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return; // npm forwards the terminal's Ctrl-C to us again: one shutdown is enough
    closing = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000 + config.shutdownDrainMs);
    timer.unref();
    try {
      if (beginDrain) {
        beginDrain();
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
      }
      // In Nest's order: the job queue stops (beforeApplicationShutdown), the listener closes and in-flight
      // requests finish, then the listeners, the bus and the pool close (onApplicationShutdown).
      await app?.close();
    } finally {
      // Last: the embedded PostgreSQL (its own process group, so Ctrl-C at a terminal never reached it), smart
      // first: the pools resolved their end() before the server read every Terminate.
      await database.close();
      logger.info('stopped');
      logger.flush();
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));

  try {
    // Nest and the modules are loaded only once the checks above passed: a failed start reports at once.
    const { NestFactory } = await import('@nestjs/core');
    const { AppModule } = await import('./app.module');
    const { configureApp, createFastifyAdapter, nestOptions } = await import('./app.setup');
    const { LivenessState } = await import('./health/liveness-state');
    const { ShutdownState } = await import('./health/shutdown-state');
    app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ databaseUrl: database.url }), createFastifyAdapter(config, logger), nestOptions(logger));
    await configureApp(app);
    const shutdownState = app.get(ShutdownState);
    beginDrain = () => shutdownState.beginDrain();
    await app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
    // The embedded database died and could not be restarted: fail liveness, then exit non-zero so that an
    // orchestrator (or the person at the terminal) starts a fresh process.
    database.onGiveUp((reason) => {
      logger.fatal({ component: 'database' }, `${reason}; exiting`);
      app?.get(LivenessState).fail(reason);
      process.exitCode = 1;
      setTimeout(() => void shutdown('database-failure'), config.shutdownDrainMs).unref();
    });
  } catch (error) {
    // The port taken since the check, or the database gone since it answered: still one line naming the variable.
    const known =
      listenFailure(error, config.host, config.port) ??
      (databaseConfig.url !== undefined && typeof (error as { code?: unknown }).code === 'string' ? databaseUrlFailure(error, databaseConfig.url) : undefined);
    if (known) logger.fatal(known.message);
    else logger.fatal({ err: error }, 'failed to start');
    await app?.close().catch(() => undefined);
    await database.close();
    logger.flush();
    process.exit(1);
  }
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  logger.info({ port: config.port, embeddedDatabase: database.embedded, startupMs: Math.round(ms) }, `listening on http://localhost:${config.port} (Swagger UI at /docs)`);
}

void bootstrap();
