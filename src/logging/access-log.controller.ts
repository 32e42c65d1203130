import type { FastifyReply, FastifyRequest, LogController as LogControllerType } from 'fastify';
import path from 'node:path';
import { Logger } from 'pino';
import { LoggedRequest, requestSummary } from './logger';
import { requestTraceIds } from './request-context';

/**
 * Fastify's LogController from the very copy of Fastify the Nest adapter uses
 * (Fastify checks `instanceof`, and a second copy would fail that check).
 */
function fastifyLogController(): typeof LogControllerType {
  const adapterDir = path.dirname(require.resolve('@nestjs/platform-fastify/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(require.resolve('fastify', { paths: [adapterDir] })) as { LogController: typeof LogControllerType }).LogController;
}

/** One access-log line per request, when it completes, instead of Fastify's two (incoming + completed). */
export function createAccessLogController(access: Logger): LogControllerType {
  const Base = fastifyLogController();
  class AccessLogController extends Base {
    override incomingRequest(): void {
      // logged once, on completion
    }

    override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
      if (error) {
        // An error may carry anything: through the request's logger, with redaction.
        reply.log.error({ ...requestTraceIds.get(request), req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime, err: error }, 'request errored');
        return;
      }
      if (!access.isLevelEnabled('info')) return;
      access.info({ reqId: request.id, ...requestTraceIds.get(request), req: requestSummary(request as LoggedRequest), res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
  return new AccessLogController();
}
