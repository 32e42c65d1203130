/**
 * The public surface of vault/: what other features may import, as `'../vault'`.
 * Everything else in the folder is internal; the lint (eslint.config.mjs) refuses deeper imports.
 */
export { VaultModule } from './vault.module';
export { VaultItemsService } from './items/vault-items.service';
export { VaultTenantKeysService } from './keys/vault-tenant-keys.service';
