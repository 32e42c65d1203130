import { BadRequestException, ForbiddenException, GoneException, Injectable, InternalServerErrorException, Logger, NotFoundException } from '@nestjs/common';
import { Principal } from '../../auth/principal';
import { TenantAccess } from '../../auth/tenant-access';
import { Clock } from '../../common/clock';
import { retryOnceOnConflict } from '../../database/transient-conflict';
import { EnvelopeError } from '../../kms/envelope';
import { KmsKeyGate } from '../../kms/kms-key-gate';
import { apiKeyMatches, hashApiKey, isWellFormedApiKey } from '../api-key';
import { VaultAuditRepository } from '../audit/vault-audit.repository';
import { auditActor } from '../audit/vault-audit-actor';
import { ApiKeyVerificationDto, ResolvedVaultSecretsDto } from '../dto/internal-vault.dto';
import { NO_TENANT } from '../entities/vault-event.entity';
import { VaultSealer } from '../keys/vault-sealer';
import { ResolvedRow, VaultRunnerRepository } from './vault-runner.repository';

/** The workflow runner's side of the vault: resolving a tenant's values, verifying workflow API keys. */
@Injectable()
export class VaultRunnerService {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly repo: VaultRunnerRepository,
    private readonly audit: VaultAuditRepository,
    private readonly sealer: VaultSealer,
    private readonly keys: KmsKeyGate,
    private readonly clock: Clock,
    private readonly tenantAccess: TenantAccess,
  ) {}

  /** For the workflow runner: the values of a tenant's named items, all or nothing. */
  async resolve(principal: Principal, customerId: string, names: string[]): Promise<ResolvedVaultSecretsDto> {
    // Before the lookup: with unverified keys nothing is stamped as used or audited as resolved.
    const now = this.clock.now();
    const refusal = this.tenantAccess.refusal(principal, customerId);
    if (refusal !== null) {
      // Nothing is written for an offboarded tenant (its rows are being deleted).
      if (this.tenantAccess.isOffboarded(customerId)) throw new ForbiddenException(refusal);
      await this.audit.record(auditActor(principal, now), { customerId, vaultId: null, itemName: null, action: 'resolve', outcome: 'forbidden' });
      throw new ForbiddenException(refusal);
    }
    this.tenantAccess.assertNotOffboarded(customerId);
    await this.keys.assertUsable();
    // One statement: a deadlock or serialization failure rolled it back whole (audit rows too), so it is run once more.
    const rows = await retryOnceOnConflict(() => this.repo.resolve(customerId, names, now, auditActor(principal, now)));
    const byName = new Map(rows.map((r) => [r.name, r]));
    const missing = [...new Set(names)].filter((n) => !byName.has(n));
    if (missing.length > 0) throw new NotFoundException(`Vault items not found: ${missing.join(', ')}`);
    const expired = rows.filter((r) => r.expired).map((r) => r.name);
    if (expired.length > 0) throw new GoneException(`Vault items expired: ${expired.join(', ')}`);
    const apiKeys = rows.filter((r) => r.kind !== 'secret').map((r) => r.name);
    if (apiKeys.length > 0) throw new BadRequestException(`Workflow API keys have no value to resolve: ${apiKeys.join(', ')}`);
    const secrets: Record<string, string> = {};
    const versions: Record<string, number> = {};
    await Promise.all(
      rows.map(async (row) => {
        secrets[row.name] = await this.open(row, customerId, principal, now);
        versions[row.name] = row.version;
      }),
    );
    return { customer_id: customerId, secrets, versions };
  }

  /** For services receiving a workflow API key: whose is it, and is it still good. */
  async verifyApiKey(principal: Principal, apiKey: string): Promise<ApiKeyVerificationDto> {
    this.tenantAccess.assertScoped(principal);
    const now = this.clock.now();
    const who = auditActor(principal, now);
    const invalid: ApiKeyVerificationDto = { valid: false, vault_id: null, customer_id: null };
    if (!isWellFormedApiKey(apiKey)) {
      await this.audit.record(who, { customerId: NO_TENANT, vaultId: null, itemName: null, action: 'verify', outcome: 'invalid' });
      return invalid;
    }
    const row = await this.repo.verifyApiKey(hashApiKey(apiKey), now, who, this.tenantAccess.visibleTenants(principal));
    if (row === undefined || row.expired || !apiKeyMatches(apiKey, row.apiKeyHash!) || this.tenantAccess.isOffboarded(row.customerId)) return invalid;
    return { valid: true, vault_id: row.id, customer_id: row.customerId };
  }

  private async open(row: ResolvedRow, customerId: string, principal: Principal, now: Date): Promise<string> {
    try {
      return await this.sealer.open(row, { tenant: customerId, item: row.id, version: row.version });
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.logger.error(`vault item ${row.id} does not open: ${error.message}`);
      await this.audit.record(auditActor(principal, now), { customerId, vaultId: row.id, itemName: row.name, action: 'resolve', outcome: 'error' });
      throw new InternalServerErrorException(`Vault item ${row.name} could not be decrypted; the incident is logged with this request id`);
    }
  }
}
