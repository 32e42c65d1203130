import { EntityManager } from 'typeorm';
import { AuthConfig } from '../../../src/config/auth.config';
import { FaultConfig } from '../../../src/config/fault.config';
import { Clock } from '../../../src/common/clock';
import { OffboardedTenants } from '../../../src/auth/offboarded-tenants';
import { TenantAccess } from '../../../src/auth/tenant-access';
import { EventsService, NewEvent } from '../../../src/events';
import { FaultCommentRepository } from '../../../src/fault/core/fault-comment.repository';
import { FaultLifecycleRepository } from '../../../src/fault/core/fault-lifecycle.repository';
import { FaultLifecycleService } from '../../../src/fault/core/fault-lifecycle.service';
import { FaultReportRepository } from '../../../src/fault/core/fault-report.repository';
import { FaultCorrelationService } from '../../../src/fault/correlation/fault-correlation.service';
import { FaultEntity } from '../../../src/fault/entities/fault.entity';
import { FaultFlappingService } from '../../../src/fault/flapping/fault-flapping.service';
import { FaultTimelineService } from '../../../src/fault/timeline/fault-timeline.service';
import { FakeFaultLifecycleRepository } from './fake-fault-lifecycle.repository';
import { FakeFaultReportRepository } from './fake-fault-report.repository';
import { FakeFaultStore } from './fault-store';

/** A FaultConfig as the service reads it by default, with overrides. */
export function faultConfig(over: Partial<FaultConfig> = {}): FaultConfig {
  return { ...FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: 'x'.repeat(40) }), ...over };
}

/**
 * FaultLifecycleService over the in-memory fault store: its repositories are fakes; the services it
 * calls around a report (correlation, flapping, timeline, events) are recorders that change nothing.
 */
export function fakeFaultLifecycle(options: { store?: FakeFaultStore; clock: Clock; config?: FaultConfig; requireTenants?: boolean }) {
  const store = options.store ?? new FakeFaultStore();
  const reports = new FakeFaultReportRepository(store);
  const faults = new FakeFaultLifecycleRepository(store);
  const events: NewEvent[] = [];
  const reopens: Array<{ faultId: string; at: Date }> = [];
  const correlated: string[] = [];
  const service = new FaultLifecycleService(
    reports as unknown as FaultReportRepository,
    faults as unknown as FaultLifecycleRepository,
    { commentsOf: async () => new Map() } as unknown as FaultCommentRepository,
    options.clock,
    options.config ?? faultConfig(),
    new TenantAccess({ serviceTokensRequireTenants: options.requireTenants ?? true } as AuthConfig, new OffboardedTenants()),
    { record: async (_m: EntityManager, event: NewEvent) => void events.push(event) } as unknown as EventsService,
    {
      inputs: () => undefined,
      correlate: async (_m: EntityManager, fault: FaultEntity) => {
        correlated.push(fault.id);
        return { fault, adopted: [], rooted: false };
      },
    } as unknown as FaultCorrelationService,
    {
      onReopen: async (_m: EntityManager, fault: FaultEntity, at: Date) => {
        reopens.push({ faultId: fault.id, at });
        return fault;
      },
    } as unknown as FaultFlappingService,
    { record: async () => undefined } as unknown as FaultTimelineService,
  );
  return { service, store, reports, faults, events, reopens, correlated };
}
