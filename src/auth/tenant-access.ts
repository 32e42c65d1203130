import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AuthConfig } from '../config/auth.config';
import { OffboardedTenants } from './offboarded-tenants';
import { Principal } from './principal';

/**
 * Whether a service token may name a tenant in its request: a token carrying
 * `customer_ids` may name only those; with SERVICE_TOKENS_REQUIRE_TENANTS a
 * token without the claim may name none. Users and dashboards never name one.
 */
@Injectable()
export class TenantAccess {
  constructor(
    private readonly config: AuthConfig,
    private readonly offboarded: OffboardedTenants,
  ) {}

  /** A service call naming an offboarded tenant: 404, as for a tenant that does not exist (and nothing is written for it). */
  assertNotOffboarded(customerId: string): void {
    if (this.offboarded.has(customerId)) throw new NotFoundException(`Tenant ${customerId} has been offboarded`);
  }

  isOffboarded(customerId: string): boolean {
    return this.offboarded.has(customerId);
  }

  /** Null when allowed, else the reason (safe to show: it names only the caller's own token). */
  refusal(principal: Principal, customerId: string): string | null {
    if (principal.kind !== 'service') return null;
    if (principal.customerIds === undefined) {
      return this.config.serviceTokensRequireTenants ? 'Service tokens must carry a customer_ids claim naming the tenants they may act for' : null;
    }
    return principal.customerIds.includes(customerId) ? null : 'This service token may not act for that tenant (customer_ids)';
  }

  assertMayName(principal: Principal, customerId: string, options: { offboardedToo?: boolean } = {}): void {
    // The caller's own limits first: a token that may not name the tenant learns nothing about it.
    const reason = this.refusal(principal, customerId);
    if (reason !== null) throw new ForbiddenException(reason);
    if (options.offboardedToo !== true) this.assertNotOffboarded(customerId);
  }
}
