import { VaultEvent } from './vault-event.entity';
import { VaultItem } from './vault-item.entity';

export const VAULT_ENTITIES = [VaultItem, VaultEvent];
