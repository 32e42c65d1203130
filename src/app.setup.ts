import { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Logger } from 'pino';
import { DEFAULT_CACHE_CONTROL } from './common/cache-control';
import { securityHeaders } from './common/security-headers';
import { createClientErrorHandler, frameworkErrorHandler } from './common/early-errors';
import { MAX_INPUT_DEPTH, ValidationFailedException, exceedsDepth } from './common/validation';
import { AppConfig } from './config/app.config';
import { MetricsConfig } from './config/metrics.config';
import { TracingConfig } from './config/tracing.config';
import { ShutdownState } from './health/shutdown-state';
import { createAccessLogController } from './logging/access-log.controller';
import { requestContext } from './logging/request-context';
import { PinoNestLogger } from './logging/pino-nest-logger';
import { accessLoggerFor } from './logging/logger';
import { registerHttpMetrics } from './metrics/http-metrics';
import { buildOpenApiDocument } from './openapi';
import { setupTracing } from './tracing/setup';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify with the service's limits: 64 KiB bodies, request ids, safe JSON parsing, 503 while closing. */
export function createFastifyAdapter(config: AppConfig, logger: Logger): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    logController: createAccessLogController(accessLoggerFor(logger)),
    forceCloseConnections: 'idle',
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: createClientErrorHandler(logger),
  });
}

/** Nest's lines written when they happen (not buffered until listen, all with one timestamp), route mapping at debug. */
export function nestOptions(logger: Logger): NestApplicationOptions {
  return { logger: new PinoNestLogger(logger.child({ component: 'nest' })), bufferLogs: false };
}

/** Everything main.ts and the end-to-end tests must share: hooks, headers, CORS, Swagger. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(AppConfig);
  const fastify = app.getHttpAdapter().getInstance();
  const shutdown = app.get(ShutdownState);
  // Set before the handler runs, so a route's own headers (@NoStore(), Swagger UI's assets) replace them.
  // Responses are private to their caller unless a route says otherwise (@NoStore() for secrets and credentials).
  const fixedHeaders = { ...securityHeaders(), 'cache-control': DEFAULT_CACHE_CONTROL };
  // One hook for what every request needs (each hook is a hop on every request).
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(fixedHeaders);
    void reply.header('x-request-id', request.id);
    if (shutdown.draining) void reply.header('connection', 'close');
    // Everything after this runs in the request's context (its id in logs and error bodies), a 415 included.
    requestContext.run({ requestId: request.id }, () => {
      // The API speaks JSON only: a body of any other type is a 415, not a string handed to validation.
      const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
      const type = request.headers['content-type'];
      if ((hasBody || request.headers['transfer-encoding'] !== undefined) && !(type !== undefined && JSON_TYPE.test(type))) {
        done(Object.assign(new Error('Unsupported Content-Type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }));
        return;
      }
      done();
    });
  });
  if (app.get(MetricsConfig).enabled) registerHttpMetrics(fastify);
  // With OTEL_EXPORTER_OTLP_ENDPOINT: spans for requests (continuing an incoming traceparent) and their queries.
  setupTracing(app.get(TracingConfig), fastify);
  // Deep nesting is refused before validation and class-transformer, which recurse (and once overflowed the stack).
  fastify.addHook('preValidation', (request, _reply, done) => {
    const where = exceedsDepth(request.body) ? 'body' : exceedsDepth(request.query) ? 'query' : undefined;
    if (where !== undefined) {
      done(new ValidationFailedException([{ field: where, message: `${where} is nested deeper than ${MAX_INPUT_DEPTH} levels` }]));
      return;
    }
    done();
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  setupSwagger(app);
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    useGlobalPrefix: false,
    swaggerOptions: { persistAuthorization: true },
  });
}
