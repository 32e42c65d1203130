import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok', 'failed'], example: 'ok' })
  status!: 'ok' | 'failed';

  /** Why the service cannot recover by itself (failed only). */
  @ApiPropertyOptional({ example: 'the embedded PostgreSQL could not be restarted' })
  reason?: string;
}

export class DependencyStatusDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional({ example: 'no answer within 2000 ms' })
  error?: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] })
  status!: 'ready' | 'not_ready';

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/DependencyStatusDto' }, example: { database: { status: 'up' } } })
  checks!: Record<string, DependencyStatusDto>;
}
