/**
 * Who is calling, as established by the global guard from a verified token.
 * - user: a person's session from the identity provider, always with a tenant.
 * - service: another microservice; carries no tenant (it names one per request).
 * - dashboard: a read-only dashboard token minted by this service for one tenant.
 */
export type PrincipalKind = 'user' | 'service' | 'dashboard';

export interface Principal {
  kind: PrincipalKind;
  /** The token's `sub`: user id, service name, or the dashboard token's issuing user. */
  subject: string;
  /** The tenant; null only for service principals. */
  customerId: string | null;
  scopes: ReadonlySet<string>;
  /**
   * Service tokens only: the `customer_ids` claim, the tenants this token may name.
   * Undefined when the claim is absent (any tenant, unless SERVICE_TOKENS_REQUIRE_TENANTS).
   */
  customerIds?: string[];
  /** The token's `jti`, when it has one. */
  tokenId?: string;
}
