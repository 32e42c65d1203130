import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
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
