import { Injectable, OnModuleInit } from '@nestjs/common';
import { VaultConfig } from '../../config/vault.config';
import { PartitionMaintenance } from '../../jobs/partition-maintenance';

/**
 * Retention of the audit trail: `vault_event` is partitioned by month of `created_at` (migration
 * PartitionVaultAudit). The partition maintenance job keeps the coming months created and, with
 * VAULT_AUDIT_RETENTION_DAYS set, detaches and drops a month's partition once the whole month is
 * older than the retention (a record goes between RETENTION and RETENTION + 1 month after it was
 * written), plus, row by row, expired records the default partition caught. Unset (0, the
 * default): the trail is kept for good, as before.
 */
@Injectable()
export class VaultAuditRetention implements OnModuleInit {
  constructor(
    private readonly partitions: PartitionMaintenance,
    private readonly config: VaultConfig,
  ) {}

  onModuleInit(): void {
    this.partitions.register({
      table: 'vault_event',
      column: 'created_at',
      interval: 'month',
      ahead: 2,
      retainMs: () => (this.config.auditRetentionDays === undefined ? undefined : this.config.auditRetentionDays * 86_400_000),
    });
  }
}
