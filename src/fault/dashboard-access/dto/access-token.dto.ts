import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_EXPIRE_AFTER_MINUTES = 43_200;

export class CreateFaultAccessTokenDto {
  /** Lifetime in minutes, 1–43200 (30 days). */
  @ApiProperty({ minimum: 1, maximum: MAX_EXPIRE_AFTER_MINUTES, example: 60 })
  @IsInt()
  @Min(1)
  @Max(MAX_EXPIRE_AFTER_MINUTES)
  expire_after_minutes!: number;
}

export class FaultAccessTokenDto {
  /** A read-only JWT for this tenant's faults; shown once. */
  @ApiProperty({
    example:
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IlRob1dqUEZRSThXSURxZ28ifQ.eyJpc3MiOiJuZXRvcHMtZmF1bHRzLXZhdWx0IiwiYXVkIjoibmV0b3BzOmZhdWx0LWRhc2hib2FyZCIsInN1YiI6InVzcl9kZXYiLCJjdXN0b21lcl9pZCI6ImN1c19kZW1vIiwic2NvcGUiOiJmYXVsdHM6cmVhZCIsImp0aSI6IjJlZTBmYjhjLWQ2NGYtNGVhYy1iMTkyLTEwMDJlY2E4NjYwYyIsImlhdCI6MTc5NTU4NzU2OCwiZXhwIjoxNzk1NTkxMTY4fQ.GoZJiy3sM39zPQODgnv5SIQMOB-t5I81THvio2jr59Q',
  })
  token!: string;

  @ApiProperty({ enum: ['jwt'] })
  type!: 'jwt';

  @ApiProperty({ example: 60 })
  expires_in_minutes!: number;

  @ApiProperty({ example: '2025-10-21T13:00:00.000000Z' })
  expires_at!: string;

  /** Public link that opens the dashboard with this token. */
  @ApiProperty({ example: 'http://localhost:3000/s/4kT9qZ2mXw7B' })
  short_link!: string;
}
