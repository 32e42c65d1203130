import { VaultEvent } from './vault-event.entity';
import { VaultItemVersion } from './vault-item-version.entity';
import { VaultItem } from './vault-item.entity';
import { VaultTenantKey } from './vault-tenant-key.entity';

export const VAULT_ENTITIES = [VaultItem, VaultItemVersion, VaultEvent, VaultTenantKey];
