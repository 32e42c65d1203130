import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { DEFAULT_CACHE_CONTROL } from './cache-control';
import { ErrorResponseDto } from './error-response.dto';

/**
 * Errors raised before Nest sees a request — by Fastify's router (bad
 * percent-encoding, an over-long path parameter) or by Node's HTTP parser
 * (headers or request line too large, malformed HTTP) — leave in the API's one
 * error shape with a request id, like every other error.
 */
export function errorBody(statusCode: number, message: string, requestId: string): ErrorResponseDto {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, request_id: requestId };
}

const FRAMEWORK_ERRORS: Record<string, { status: number; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, message: 'The URL is malformed (invalid percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, message: 'A path segment is too long' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, message: 'The request matches no route constraint' },
};

/** Fastify's `frameworkErrors`: router errors, answered in the error shape with the request's id. */
export function frameworkErrorHandler(error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const known = (error.code !== undefined ? FRAMEWORK_ERRORS[error.code] : undefined) ?? { status: 400, message: 'Bad request' };
  void reply
    .code(known.status)
    .header('x-request-id', request.id)
    .header('cache-control', DEFAULT_CACHE_CONTROL)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(known.status, known.message, request.id)));
}

const URL_TOO_LONG_BYTES = 8192;

/** What Node's parser error means for the client. */
export function clientErrorStatus(error: { code?: string; rawPacket?: unknown }): { status: number; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'The request was not received in time' };
  if (error.code !== 'HPE_HEADER_OVERFLOW') return { status: 400, message: 'Malformed HTTP request' };
  // The request line counts towards the header limit: a request line of more than 8 KiB means the URL is what is too long.
  const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0);
  const lineEnd = packet.indexOf('\r\n');
  return (lineEnd === -1 ? packet.length : lineEnd) > URL_TOO_LONG_BYTES
    ? { status: 414, message: 'The URL is too long' }
    : { status: 431, message: 'The request headers are too large' };
}

/** Fastify's `clientErrorHandler`: writes the error shape straight to the socket (there is no request object), then closes it. */
export function createClientErrorHandler(logger: Logger): (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const requestId = randomUUID();
    const { status, message } = clientErrorStatus(error);
    logger.debug({ reqId: requestId, code: error.code, statusCode: status }, 'client error before routing');
    if (socket.writable) {
      const body = JSON.stringify(errorBody(status, message, requestId));
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${requestId}\r\nCache-Control: ${DEFAULT_CACHE_CONTROL}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
