import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, Max, Min } from 'class-validator';
import { toApiTimestampOrNull } from '../../../common/timestamps';
import { FAULT_SEVERITIES, type FaultSeverity } from '../../entities/fault.entity';
import { EscalationPolicyEntity } from '../escalation-policy.entity';

export class EscalationPolicyInputDto {
  /** Faults of at least this severity escalate (LOW < WARNING < MEDIUM < HIGH < CRITICAL). */
  @ApiProperty({ enum: FAULT_SEVERITIES, example: 'HIGH' })
  @IsIn(FAULT_SEVERITIES)
  min_severity!: FaultSeverity;

  /** Minutes after the report (or reopen) at which each step falls due: 0–5, strictly increasing, each 1–10080. `[]` turns escalation off. */
  @ApiProperty({ type: [Number], example: [15, 60, 240], maxItems: 5 })
  @IsArray()
  @ArrayMaxSize(5)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(10_080, { each: true })
  after_minutes!: number[];
}

export class EscalationPolicyDto extends EscalationPolicyInputDto {
  /** Who set it (null: never set, escalation off). */
  @ApiProperty({ type: String, nullable: true, example: 'usr_alice' })
  updated_by!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2025-10-21T12:00:00.000000Z' })
  updated_at!: string | null;
}

export function toEscalationPolicyDto(policy: EscalationPolicyEntity | null): EscalationPolicyDto {
  if (policy === null) return { min_severity: 'HIGH', after_minutes: [], updated_by: null, updated_at: null };
  return { min_severity: policy.minSeverity, after_minutes: policy.afterMinutes, updated_by: policy.updatedBy, updated_at: toApiTimestampOrNull(policy.updatedAt) };
}
