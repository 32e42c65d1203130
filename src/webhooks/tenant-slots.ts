/**
 * Deliveries running now on this instance, counted per tenant: one tenant takes at most `limit` of
 * the instance's delivery workers, so receivers that never answer hold that tenant's slots only.
 */
export class TenantSlots {
  private readonly running = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** A release function when the tenant has a free slot; null when it already runs `limit` deliveries. */
  tryTake(tenant: string): (() => void) | null {
    const now = this.running.get(tenant) ?? 0;
    if (now >= this.limit) return null;
    this.running.set(tenant, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(tenant) ?? 1) - 1;
      if (left <= 0) this.running.delete(tenant);
      else this.running.set(tenant, left);
    };
  }

  /** Deliveries the tenant runs now. */
  inUse(tenant: string): number {
    return this.running.get(tenant) ?? 0;
  }
}
