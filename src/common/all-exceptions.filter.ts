import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import { currentRequestId } from '../logging/request-context';
import { ErrorResponseDto } from './error-response.dto';
import { ValidationFailedException } from './validation';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** PostgreSQL/driver conditions that mean "the database is not available right now". */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** Serialization failure, deadlock: the transaction was rolled back and may be run again (after one retry where it is safe). */
const CONFLICT_CODES = new Set(['40001', '40P01']);

/** Duck-typed: errors raised inside Node's own modules may come from another realm (e.g. under jest), failing `instanceof Error`. */
type ErrorLike = { message: string; name?: string; code?: string; driverError?: { code?: string } };

function errorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' ? (value as ErrorLike) : undefined;
}

function isDatabaseUnavailable(exception: unknown): boolean {
  const error = errorLike(exception);
  if (error === undefined) return false;
  const code = error.code ?? error.driverError?.code;
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  // TypeORM releases a transaction's connection when the server drops it; the next query or the commit then fails
  // with one of these (which one depends on whether the query runs through the runner or its manager).
  if (error.name === 'QueryRunnerAlreadyReleasedError' || error.name === 'QueryRunnerProviderAlreadyReleasedError') return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(error.message);
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON in request body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty but Content-Type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than 64 KiB',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type; send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/**
 * The single error filter: every failure leaves as the API's error shape with
 * the request id. Client mistakes keep their 4xx and a readable message;
 * anything unexpected is logged in full and answered with a bare 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<{
      status(code: number): { send(body: unknown): void };
      header(name: string, value: string): void;
      sent?: boolean;
    }>();
    const body = this.toBody(exception);
    body.request_id = currentRequestId();
    if (exception instanceof HttpException) {
      const retryAfter = (exception.getResponse() as { retryAfter?: number }).retryAfter;
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    }
    if (body.statusCode === 503) reply.header('retry-after', '5');
    reply.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown): ErrorResponseDto {
    if (exception instanceof ValidationFailedException) {
      return { ...this.shape(400, exception.message), errors: exception.fieldErrors };
    }
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const detail = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = Array.isArray(detail) ? detail.join('; ') : typeof detail === 'string' ? detail : exception.message;
      return this.shape(exception.getStatus(), message);
    }
    const fastify = exception as FastifyLikeError;
    if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
      const message = (fastify.code && FASTIFY_MESSAGES[fastify.code]) ?? this.clientMessage(fastify);
      return this.shape(fastify.statusCode, message);
    }
    const code = errorLike(exception)?.code ?? errorLike(exception)?.driverError?.code;
    if (code !== undefined && CONFLICT_CODES.has(code)) {
      this.logger.warn(`database conflict (${code}): ${errorLike(exception)?.message ?? 'unknown'}`);
      return this.shape(HttpStatus.SERVICE_UNAVAILABLE, 'The service is busy with a conflicting change; retry shortly');
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${errorLike(exception)?.message ?? 'unknown'}`);
      return this.shape(HttpStatus.SERVICE_UNAVAILABLE, 'The service is temporarily unavailable; retry shortly');
    }
    if (exception instanceof QueryFailedError) {
      this.logger.error(`query failed: ${exception.message}`, exception.stack);
    } else {
      const error = errorLike(exception);
      this.logger.error(error ? `${error.message}` : String(exception), (exception as { stack?: string }).stack);
    }
    return this.shape(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }

  private clientMessage(error: FastifyLikeError): string {
    // Fastify's own 4xx messages describe the request, not our internals.
    return (error.message ?? 'Bad request').replace(/^FST_\w+:\s*/, '');
  }

  private shape(statusCode: number, message: string): ErrorResponseDto {
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  }
}
