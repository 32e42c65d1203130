import { SEVERITY_RANK, type FaultSeverity } from '../entities/fault.entity';

export interface EscalationPolicy {
  minSeverity: FaultSeverity;
  afterMinutes: number[];
}

export interface EscalationCandidate {
  status: 'unresolved' | 'resolved';
  severity: FaultSeverity;
  acknowledged: boolean;
  silenced: boolean;
  rootFaultId: string | null;
  /** Steps already announced since `baseAt`. */
  step: number;
  /** Reported (or last reopened). */
  baseAt: Date;
}

/** Problems of a policy, by field (empty: valid). 0–5 strictly increasing steps, each 1–10080 minutes. */
export function policyProblems(afterMinutes: number[]): string[] {
  if (afterMinutes.length > 5) return ['after_minutes must have at most 5 steps'];
  for (let i = 0; i < afterMinutes.length; i++) {
    if (!Number.isInteger(afterMinutes[i]) || afterMinutes[i] < 1 || afterMinutes[i] > 10_080) return ['after_minutes must be whole minutes from 1 to 10080'];
    if (i > 0 && afterMinutes[i] <= afterMinutes[i - 1]) return ['after_minutes must be strictly increasing'];
  }
  return [];
}

/**
 * The next step due for a fault at `now` (1-based), or null: only unresolved, unacknowledged,
 * unsilenced roots of at least the policy's severity escalate, one step after another.
 */
export function dueStep(policy: EscalationPolicy, fault: EscalationCandidate, now: Date): { step: number; afterMinutes: number } | null {
  if (fault.status !== 'unresolved' || fault.acknowledged || fault.silenced || fault.rootFaultId !== null) return null;
  if (SEVERITY_RANK[fault.severity] < SEVERITY_RANK[policy.minSeverity]) return null;
  const next = policy.afterMinutes[fault.step];
  if (next === undefined) return null;
  return fault.baseAt.getTime() + next * 60_000 <= now.getTime() ? { step: fault.step + 1, afterMinutes: next } : null;
}
