import { ApiProperty } from '@nestjs/swagger';
import { toApiTimestamp } from '../../common/timestamps';
import { OFFBOARDING_STATES, OffboardingState, TenantOffboarding } from '../entities/tenant-offboarding.entity';

/** Where an offboarding stands. */
export class TenantOffboardingDto {
  @ApiProperty({ example: 'cus_departed_demo' })
  customer_id!: string;

  @ApiProperty({ enum: OFFBOARDING_STATES, example: 'deleting', description: '`deleting`: the tenant key is destroyed (every value unreadable), rows are being deleted; `deleted`: nothing of the tenant is left' })
  status!: OffboardingState;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  requested_at!: string;

  @ApiProperty({ example: { faults: 5000 }, description: 'Rows deleted so far, per table', type: 'object', additionalProperties: { type: 'integer' } })
  deleted_rows!: Record<string, number>;
}

export function toTenantOffboardingDto(row: TenantOffboarding): TenantOffboardingDto {
  return { customer_id: row.customerId, status: row.state, requested_at: toApiTimestamp(row.requestedAt), deleted_rows: { ...row.progress } };
}
