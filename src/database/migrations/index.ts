import { PartitionEvents1796620000000 } from './1796620000000-PartitionEvents';
import { CorrelationCandidatesByKey1796630000000 } from './1796630000000-CorrelationCandidatesByKey';
import { FaultAnalyticsCoveringIndex1796640000000 } from './1796640000000-FaultAnalyticsCoveringIndex';
import { WebhooksTenantFirstKey1796650000000 } from './1796650000000-WebhooksTenantFirstKey';
import { TenantOffboardingTenantFirstKey1796660000000 } from './1796660000000-TenantOffboardingTenantFirstKey';
import { FaultAccessTokensTenantFirstKey1796670000000 } from './1796670000000-FaultAccessTokensTenantFirstKey';
import { FaultCommentsTenantFirstKey1796680000000 } from './1796680000000-FaultCommentsTenantFirstKey';
import { FaultPathSegmentsTenantFirstKey1796690000000 } from './1796690000000-FaultPathSegmentsTenantFirstKey';
import { PartitionTimelineAndIdempotency1796700000000 } from './1796700000000-PartitionTimelineAndIdempotency';
import { PartitionVaultAudit1796710000000 } from './1796710000000-PartitionVaultAudit';
import { FaultsTenantFirstKey1796730000000 } from './1796730000000-FaultsTenantFirstKey';
import { VaultItemsTenantFirstKey1796740000000 } from './1796740000000-VaultItemsTenantFirstKey';
import { PartitionFaults1796750000000 } from './1796750000000-PartitionFaults';
import { CorrelationOpenFaults1796760000000 } from './1796760000000-CorrelationOpenFaults';
import { PartitionFaultChildren1796770000000 } from './1796770000000-PartitionFaultChildren';
import { FaultHasSymptoms1796780000000 } from './1796780000000-FaultHasSymptoms';
import { PartitionCompactions1796790000000 } from './1796790000000-PartitionCompactions';
import { FaultTopCounts1796800000000 } from './1796800000000-FaultTopCounts';
import { OpenPathsDeleteByKey1796810000000 } from './1796810000000-OpenPathsDeleteByKey';
import { FaultIntelligence1796610762648 } from './1796610762648-FaultIntelligence';
import { EventStreamPositions1795610000000 } from './1795610000000-EventStreamPositions';
import { TenantKeys1795600000000 } from './1795600000000-TenantKeys';
import { CreateVaultExpiryReminders1795590000000 } from './1795590000000-CreateVaultExpiryReminders';
import { CreateEventsAndWebhooks1795589000000 } from './1795589000000-CreateEventsAndWebhooks';
import { VaultDepth1795588811197 } from './1795588811197-VaultDepth';
import { AddFaultTextSearch1795587057216 } from './1795587057216-AddFaultTextSearch';
import { AddFaultLifecycle1795587057215 } from './1795587057215-AddFaultLifecycle';
import { CreateRateLimitHits1795458000000 } from './1795458000000-CreateRateLimitHits';
import { CreateVault1795457427823 } from './1795457427823-CreateVault';
import { CreateFaults1795457339041 } from './1795457339041-CreateFaults';
/**
 * Every migration, oldest first. `npm run migration:generate -- <Name>`
 * writes a new file beside this one and appends it here.
 */
export const MIGRATIONS: Function[] = [
  CreateFaults1795457339041,
  CreateVault1795457427823,
  CreateRateLimitHits1795458000000,
  AddFaultLifecycle1795587057215,
  AddFaultTextSearch1795587057216,
  VaultDepth1795588811197,
  CreateEventsAndWebhooks1795589000000,
  CreateVaultExpiryReminders1795590000000,
  TenantKeys1795600000000,
  EventStreamPositions1795610000000,
  FaultIntelligence1796610762648,
  PartitionEvents1796620000000,
  CorrelationCandidatesByKey1796630000000,
  FaultAnalyticsCoveringIndex1796640000000,
  WebhooksTenantFirstKey1796650000000,
  TenantOffboardingTenantFirstKey1796660000000,
  FaultAccessTokensTenantFirstKey1796670000000,
  FaultCommentsTenantFirstKey1796680000000,
  FaultPathSegmentsTenantFirstKey1796690000000,
  PartitionTimelineAndIdempotency1796700000000,
  PartitionVaultAudit1796710000000,
  FaultsTenantFirstKey1796730000000,
  VaultItemsTenantFirstKey1796740000000,
  PartitionFaults1796750000000,
  CorrelationOpenFaults1796760000000,
  PartitionFaultChildren1796770000000,
  FaultHasSymptoms1796780000000,
  PartitionCompactions1796790000000,
  FaultTopCounts1796800000000,
  OpenPathsDeleteByKey1796810000000,
];
