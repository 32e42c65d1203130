import helmet from '@fastify/helmet';
import { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Logger } from 'pino';
import { AppConfig } from './config/app.config';
import { ShutdownState } from './health/shutdown-state';
import { createAccessLogController } from './logging/access-log.controller';
import { requestContext } from './logging/request-context';
import { PinoNestLogger } from './logging/pino-nest-logger';
import { buildOpenApiDocument } from './openapi';

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
    logController: createAccessLogController(),
    forceCloseConnections: 'idle',
    trustProxy: process.env.TRUST_PROXY === 'true',
    routerOptions: { maxParamLength: 2048 },
  });
}

export function nestOptions(logger: Logger): NestApplicationOptions {
  return { logger: new PinoNestLogger(logger.child({ component: 'nest' })), bufferLogs: true };
}

/** Everything main.ts and the end-to-end tests must share: hooks, headers, CORS, Swagger. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(AppConfig);
  const fastify = app.getHttpAdapter().getInstance();
  const shutdown = app.get(ShutdownState);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    if (shutdown.draining) void reply.header('connection', 'close');
    requestContext.run({ requestId: request.id }, done);
  });
  // The API speaks JSON only: a body of any other type is a 415, not a string handed to validation.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    const type = request.headers['content-type'];
    if ((hasBody || request.headers['transfer-encoding'] !== undefined) && !(type !== undefined && JSON_TYPE.test(type))) {
      done(Object.assign(new Error('Unsupported Content-Type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }));
      return;
    }
    done();
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
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
