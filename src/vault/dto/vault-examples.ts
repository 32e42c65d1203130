import type { ExamplesObject, LinksObject } from '@nestjs/swagger';
import type { ErrorExample } from '../../common/api-error-responses';

/**
 * OpenAPI examples of the Vault API, written to work as they are in Swagger UI's "Try it out"
 * against a fresh service (expiry dates far in the future, so they stay valid).
 */
export const EXAMPLE_EXPIRES_AT = '2099-01-01T00:00:00.000000Z';

/** Keys sort in the committed document, so the one Swagger UI pre-fills sorts first. */
export const CREATE_VAULT_ITEM_EXAMPLES: ExamplesObject = {
  password: {
    summary: 'A secret that workflows use as {{ vault.mikrotik-backup-password }}',
    value: { name: 'mikrotik-backup-password', secret: 's3cr3t-value', expires_at: EXAMPLE_EXPIRES_AT },
  },
  workflow_api_key: {
    summary: 'A workflow API key: no secret; the generated wfk_… key is returned once',
    value: { name: 'api-key:ci-pipeline' },
  },
};

export const ROTATE_API_KEY_EXAMPLES: ExamplesObject = {
  one_hour_grace: { summary: 'A new key; the replaced one keeps verifying for an hour while callers switch', value: { grace_minutes: 60 } },
};

export const UPDATE_VAULT_ITEM_EXAMPLES: ExamplesObject = {
  replace_value: {
    summary: 'Replace the value and keep the name (omit secret to keep the value; expires_at null clears the expiry)',
    value: { name: 'mikrotik-backup-password', secret: 'n3w-s3cr3t-value', expires_at: EXAMPLE_EXPIRES_AT },
  },
};

/** Where a created item's id goes next (shown by Swagger UI; followed by the browser test). */
export const VAULT_ITEM_LINKS: LinksObject = Object.fromEntries(
  ['getVaultItem', 'updateVaultItem', 'listVaultItemEvents', 'listVaultItemVersions', 'deleteVaultItem', 'restoreVaultItem'].map((operationId) => [
    operationId,
    { operationId, parameters: { vaultId: '$response.body#/id' }, description: `The new item's id as \`vaultId\` of ${operationId}` },
  ]),
);

/** Links that need a particular example's response (`x-example`: the API-key example's item for rotate-key). */
export const VAULT_ITEM_EXAMPLE_LINKS: LinksObject = {
  restoreVaultItemVersion: {
    operationId: 'restoreVaultItemVersion',
    parameters: { vaultId: '$response.body#/id', version: '$response.body#/version' },
    description: "The new item's id and first version: restore it after a replace",
  },
  rotateVaultApiKey: {
    operationId: 'rotateVaultApiKey',
    parameters: { vaultId: '$response.body#/id' },
    description: 'The id of an `api-key:` item (the workflow_api_key example) as `vaultId` of rotateVaultApiKey',
    'x-example': 'workflow_api_key',
  } as LinksObject[string],
};

export const VAULT_ITEM_NOT_FOUND: ErrorExample = { description: "No such item in the token's tenant (another tenant's item included)", message: 'Vault item not found' };
export const NAME_TAKEN: ErrorExample = { description: 'The tenant already has an item with this name', message: 'A vault item named "mikrotik-backup-password" already exists' };
export const VERSION_NOT_FOUND: ErrorExample = { description: 'No such item, or that version is no longer kept', message: 'Version 1 of this vault item does not exist (only the last 10 are kept)' };
export const VALUE_REPLACED: ErrorExample = { description: 'The value was replaced meanwhile; read it again and retry', message: "The vault item's value was replaced meanwhile; read it again and retry" };
export const DELETED_ITEM_NOT_FOUND: ErrorExample = { description: 'No deleted item with this id inside its recovery window (VAULT_RECOVERY_DAYS > 0)', message: 'No deleted vault item with this id is inside its recovery window' };
export const ITEM_NOT_DELETED: ErrorExample = { description: 'The item is not deleted', message: 'The vault item is not deleted' };
export const API_KEY_HAS_NO_VERSIONS: ErrorExample = { description: 'The item is a workflow API key: it keeps no values', message: 'A workflow API key has no stored values to restore; rotate it instead' };
