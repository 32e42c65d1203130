import { BadRequestException, Injectable, InternalServerErrorException, Logger, NotFoundException } from '@nestjs/common';
import { TenantPrincipal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { VaultConfig } from '../../config/vault.config';
import { EnvelopeError } from '../../kms/envelope';
import { KmsKeyGate } from '../../kms/kms-key-gate';
import { VaultAuditRepository } from '../audit/vault-audit.repository';
import { AuditActor, auditActor } from '../audit/vault-audit-actor';
import { VaultItemDto } from '../dto/vault-item.dto';
import { VaultItemVersionDto, toVaultItemVersionDto } from '../dto/vault-item-version.dto';
import { VaultItem, VaultItemMetadata } from '../entities/vault-item.entity';
import { NOT_FOUND, VaultItemsService } from '../items/vault-items.service';
import { VaultSealer } from '../keys/vault-sealer';
import { SealedRow, VaultVersionRepository } from './vault-version.repository';

/** A secret's kept values: listing them (never a value) and making an older one current again. */
@Injectable()
export class VaultVersionsService {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly items: VaultItemsService,
    private readonly repo: VaultVersionRepository,
    private readonly audit: VaultAuditRepository,
    private readonly sealer: VaultSealer,
    private readonly keys: KmsKeyGate,
    private readonly clock: Clock,
    private readonly config: VaultConfig,
  ) {}

  /** The secret's versions, newest (current) first: number, when and by whom; never a value. */
  async listVersions(principal: TenantPrincipal, vaultId: string): Promise<VaultItemVersionDto[]> {
    const item = await this.items.find(principal, vaultId);
    const versions = await this.repo.listVersions(item.customerId, item.id);
    if (versions === null) throw new NotFoundException(NOT_FOUND);
    return versions.map(toVaultItemVersionDto);
  }

  /** A new version carrying the value of an older one (itself kept). */
  async restoreVersion(principal: TenantPrincipal, vaultId: string, versionParam: string): Promise<VaultItemDto> {
    const item = await this.items.find(principal, vaultId);
    if (item.kind !== 'secret') throw new BadRequestException('A workflow API key has no stored values to restore; rotate it instead');
    const version = /^[1-9]\d{0,8}$/.test(versionParam) ? Number(versionParam) : null;
    const sealed = version === null ? null : await this.repo.findSealedVersion(item.customerId, item.id, version);
    if (sealed === null) throw new NotFoundException(`Version ${versionParam} of this vault item does not exist (only the last ${this.config.maxVersions} are kept)`);
    const now = this.clock.now();
    const who = auditActor(principal, now);
    await this.keys.assertUsable();
    const value = await this.openSealed(sealed, item, who);
    const changes: Partial<VaultItem> = {
      name: item.name,
      updatedAt: now,
      ...(await this.sealer.seal(value, { tenant: item.customerId, item: item.id, version: item.version + 1 })),
      valueCreatedAt: now,
      valueCreatedBy: who.actor,
    };
    return this.items.save(item, changes, { expectedVersion: item.version, maxVersions: this.config.maxVersions, action: 'restore_version' }, who, item.name);
  }

  private async openSealed(row: SealedRow, item: VaultItemMetadata, who: AuditActor): Promise<string> {
    try {
      return await this.sealer.open(row, { tenant: item.customerId, item: item.id, version: row.version });
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.logger.error(`vault item ${item.id} version ${row.version} does not open: ${error.message}`);
      await this.audit.record(who, { customerId: item.customerId, vaultId: item.id, itemName: item.name, action: 'restore_version', outcome: 'error' });
      throw new InternalServerErrorException(`Version ${row.version} of vault item ${item.name} could not be decrypted; the incident is logged with this request id`);
    }
  }
}
