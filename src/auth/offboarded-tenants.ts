import { Injectable } from '@nestjs/common';

/** Reads offboarded tenants recorded after `afterId` (an increasing id), oldest first; it may repeat recent ones (adding is idempotent). */
export type OffboardedTenantSource = (afterId: string) => Promise<Array<{ id: string; customerId: string }>>;

/**
 * The tenants that have been offboarded: every token of theirs is refused. An in-memory set,
 * so the check costs nothing per request; the instance that offboards adds the tenant at once,
 * and every instance reads the new ones from the database (the tenants feature registers the
 * source and refreshes it every second or so). Listeners (the vault's tenant-key cache) hear of
 * each tenant once.
 */
@Injectable()
export class OffboardedTenants {
  private readonly ids = new Set<string>();
  private readonly listeners: Array<(customerId: string) => void> = [];
  private source: OffboardedTenantSource | undefined;
  private cursor = '0';
  private refreshing: Promise<void> | undefined;

  has(customerId: string): boolean {
    return this.ids.has(customerId);
  }

  add(customerId: string): void {
    if (this.ids.has(customerId)) return;
    this.ids.add(customerId);
    for (const listener of this.listeners) listener(customerId);
  }

  onOffboarded(listener: (customerId: string) => void): void {
    this.listeners.push(listener);
  }

  useSource(source: OffboardedTenantSource): void {
    this.source = source;
  }

  /** Reads the tenants offboarded since the last refresh (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      if (this.source === undefined) return;
      for (;;) {
        const rows = await this.source(this.cursor);
        let advanced = false;
        for (const row of rows) {
          this.add(row.customerId);
          if (BigInt(row.id) > BigInt(this.cursor)) {
            this.cursor = row.id;
            advanced = true;
          }
        }
        if (rows.length < 1000 || !advanced) return;
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}
