import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ErrorResponseDto, FieldErrorDto } from './error-response.dto';

/**
 * OpenAPI documentation of error responses: every documented status gets its own realistic
 * example body in the one error shape (not the schema's generic 400 example on every status).
 */
export interface ErrorExample {
  /** When the status happens, for the reader of the document. */
  description: string;
  /** The `message` this service really sends in that case. */
  message: string;
  /** Field errors, for validation failures. */
  errors?: FieldErrorDto[];
}

const EXAMPLE_REQUEST_ID = '0b7c1a52-7a8e-4d0b-9d8e-3f2b9c1e5a10';

export function errorExample(status: number, example: Pick<ErrorExample, 'message' | 'errors'>): ErrorResponseDto {
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message: example.message,
    ...(example.errors ? { errors: example.errors } : {}),
    request_id: EXAMPLE_REQUEST_ID,
  };
}

/** One error status with its example. */
export function ApiError(status: number, example: ErrorExample): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description: example.description, type: ErrorResponseDto, example: errorExample(status, example) });
}

/** A 400 from validation, with the field errors the example names. */
export function ApiValidationError(description: string, errors: FieldErrorDto[]): MethodDecorator & ClassDecorator {
  return ApiError(400, { description, message: errors.map((e) => e.message).join('; '), errors });
}

/** Operations with a JSON body: 400 (invalid body or malformed JSON), 413 and 415. */
export function ApiJsonBodyErrors(invalid: FieldErrorDto[], more = ''): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiValidationError(`Invalid body: unknown or invalid properties (each named in \`errors\`), or malformed JSON${more}`, invalid),
    ApiError(413, { description: 'Body larger than 64 KiB', message: 'Request body is too large' }),
    ApiError(415, { description: 'Body sent with a Content-Type other than application/json', message: 'Unsupported Content-Type; send application/json' }),
  );
}

/** Every route that reads or writes the database. */
export function ApiDatabaseUnavailable(extra = ''): MethodDecorator & ClassDecorator {
  return ApiError(503, {
    description: `The database is unavailable${extra}; retry after \`Retry-After\` seconds`,
    message: 'The service is temporarily unavailable; retry shortly',
  });
}

/** Public routes are rate-limited per client address. */
export function ApiRateLimited(): MethodDecorator & ClassDecorator {
  return ApiError(429, {
    description: 'Rate limit exceeded (per token, or per client address on public routes); see `Retry-After`',
    message: 'Rate limit of 600 requests per 60 s exceeded; retry after 12 s',
  });
}
