import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FaultConfig } from '../../config/fault.config';
import { FaultEntity } from '../entities/fault.entity';
import { chooseRoot, properAncestors, shouldAdopt } from './correlation-rules';
import { CandidateInputs, CorrelationCandidates, FaultCorrelationRepository } from './fault-correlation.repository';

export interface CorrelationResult {
  /** The reported fault, its root_fault_id decided. */
  fault: FaultEntity;
  /** True when the report gave it a root it did not have. */
  rooted: boolean;
  /** Earlier faults below it that it adopted as symptoms (each announced with fault.correlated). */
  adopted: FaultEntity[];
}

/**
 * Topology correlation of a report (created or reopened). Under the tenant's correlation lock: the
 * fault's root is the oldest unresolved fault on its nearest proper ancestor; and it adopts the
 * unresolved faults below it created within FAULT_CORRELATION_WINDOW_SECONDS that have no nearer root.
 */
@Injectable()
export class FaultCorrelationService {
  constructor(
    private readonly repository: FaultCorrelationRepository,
    private readonly config: FaultConfig,
  ) {}

  /** What the candidate read needs besides the fault (for a report that reads them in its own statement). */
  inputs(fault: FaultEntity, now: Date): CandidateInputs {
    return {
      ancestors: properAncestors(fault.resourceAncestryPath, fault.resourceId),
      since: new Date(now.getTime() - this.config.correlationWindowSeconds * 1000),
      nowSeconds: Math.floor(now.getTime() / 1000),
    };
  }

  /** `candidates`: as read by the statement that inserted `fault`, under the lock; read here when absent. */
  async correlate(manager: EntityManager, fault: FaultEntity, now: Date, candidates?: CorrelationCandidates): Promise<CorrelationResult> {
    const { roots, below } = candidates ?? (await this.repository.candidates(manager, fault.customerId, this.inputs(fault, now), fault.resourceId, fault.id));
    const root = chooseRoot(fault.resourceAncestryPath, fault.resourceId, roots);
    let reported = fault;
    // A report without an open ancestor is a new episode: a root kept from an earlier one would hide it from root=true.
    const rootId = root?.id ?? null;
    if (rootId !== fault.rootFaultId) {
      [reported] = await this.repository.setRoot(manager, fault.customerId, [fault.id], rootId, now);
    }
    const adoptIds = below.filter((candidate) => candidate.rootFaultId !== fault.id && shouldAdopt(fault.resourceId, candidate)).map((c) => c.id);
    const adopted = await this.repository.setRoot(manager, fault.customerId, adoptIds, fault.id, now);
    // The report's own symptom_count was read before it adopted them.
    if (adopted.length > 0) reported.symptomCount = (reported.symptomCount ?? 0) + adopted.length;
    return { fault: reported, rooted: rootId !== null && rootId !== fault.rootFaultId, adopted };
  }
}
