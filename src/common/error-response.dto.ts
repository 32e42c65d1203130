import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  /** The offending field, as a dotted path into the body or query. */
  @ApiProperty({ example: 'limit' })
  field!: string;

  @ApiProperty({ example: 'limit must not be greater than 100' })
  message!: string;
}

/** The one shape of every error this service returns. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'limit must not be greater than 100' })
  message!: string;

  /** Present on validation failures only. */
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];

  /** Quote it when reporting a problem: every log line of the request carries it. */
  @ApiPropertyOptional({ example: '0b7c1a52-7a8e-4d0b-9d8e-3f2b9c1e5a10' })
  request_id?: string;
}
