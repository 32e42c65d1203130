import fs from 'node:fs';
import path from 'node:path';
import { readOrCreateDevSecret } from './dev-secret';
import { KMS_PROVIDER_NAMES, KmsProviderName } from './kms-provider-names';
import { Env, EnvReader, readConfig } from './env';
import { withHiddenField } from './hidden-field';

export interface LocalKey {
  id: string;
  /** 32 bytes of key-encryption key. Secret: never log. */
  material: Buffer;
}

export interface LocalKmsSettings {
  /** Oldest first; the last one is active. */
  keys: LocalKey[];
  /** Set when no keys were configured and a development key file was created or reused. */
  devKeyFile?: string;
}

export interface Pkcs11KmsSettings {
  modulePath: string;
  tokenLabel: string;
  /** User PIN. Secret: never log. */
  pin: string;
  /** Label of the AES key new data keys are wrapped with; older labels stay usable while the token holds them. */
  keyLabel: string;
}

export interface AwsKmsSettings {
  keyId: string;
  region: string;
  endpoint?: string;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

function localKey(id: string, material: Buffer): LocalKey {
  return withHiddenField({ id }, 'material', material);
}
const DEV_KEY_ID = 'dev';

/** Parses `id:base64-of-32-bytes,…` (also newline-separated, for key files). */
export function parseLocalKeys(raw: string, variable: string, r: EnvReader): LocalKey[] {
  const keys: LocalKey[] = [];
  for (const entry of raw.split(/[,\n]/).map((e) => e.trim()).filter((e) => e.length > 0 && !e.startsWith('#'))) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const encoded = colon > 0 ? entry.slice(colon + 1) : '';
    if (!KEY_ID.test(id)) {
      r.fail(variable, `entries must look like id:base64-of-32-bytes with an id of letters, digits, ".", "_" or "-" (entry ${keys.length + 1})`);
      continue;
    }
    const material = /^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) ? Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
    if (material.length !== 32) {
      r.fail(variable, `key "${id}" must be base64 of exactly 32 bytes`);
      continue;
    }
    if (new Set(material).size < 8) {
      r.fail(variable, `key "${id}" is not random`);
      continue;
    }
    if (keys.some((k) => k.id === id)) {
      r.fail(variable, `key id "${id}" appears twice`);
      continue;
    }
    keys.push(localKey(id, material));
  }
  return keys;
}

/** Which KMS provider holds the key-encryption keys, and how to reach it. */
export class KmsConfig {
  readonly provider!: KmsProviderName;
  readonly local!: LocalKmsSettings | undefined;
  readonly pkcs11!: Pkcs11KmsSettings | undefined;
  readonly aws!: AwsKmsSettings | undefined;

  static fromEnv(env: Env): KmsConfig {
    return readConfig(env, (r): KmsConfig => {
      const provider = r.oneOf('KMS_PROVIDER', KMS_PROVIDER_NAMES, 'local');
      let local: LocalKmsSettings | undefined;
      let pkcs11: Pkcs11KmsSettings | undefined;
      let aws: AwsKmsSettings | undefined;
      switch (provider) {
        case 'local': {
          const inline = r.string('KMS_LOCAL_KEYS');
          const file = r.string('KMS_LOCAL_KEYS_FILE');
          let raw = inline;
          let source = 'KMS_LOCAL_KEYS';
          if (raw === undefined && file !== undefined) {
            source = 'KMS_LOCAL_KEYS_FILE';
            try {
              raw = fs.readFileSync(file, 'utf8');
            } catch (error) {
              r.fail('KMS_LOCAL_KEYS_FILE', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
            }
          }
          if (raw !== undefined) {
            const keys = parseLocalKeys(raw, source, r);
            if (keys.length === 0) r.fail(source, 'must name at least one key');
            local = { keys };
          } else if (file === undefined && r.isProduction) {
            r.fail('KMS_LOCAL_KEYS', 'is required when NODE_ENV=production and KMS_PROVIDER=local (id:base64-of-32-bytes,…; the last one is active)');
            local = { keys: [] };
          } else if (file === undefined) {
            const dataDir = path.resolve(r.string('DATA_DIR', '.data'));
            const secret = readOrCreateDevSecret(dataDir, 'kms-local-key');
            local = { keys: [localKey(DEV_KEY_ID, Buffer.from(secret, 'base64url'))], devKeyFile: path.join(dataDir, 'secrets', 'kms-local-key') };
          }
          break;
        }
        case 'pkcs11': {
          const required = (name: string): string => {
            const value = r.string(name);
            if (value === undefined) r.fail(name, 'is required when KMS_PROVIDER=pkcs11');
            return value ?? '';
          };
          const modulePath = required('PKCS11_MODULE_PATH');
          const tokenLabel = required('PKCS11_TOKEN_LABEL');
          const pin = required('PKCS11_PIN');
          pkcs11 = withHiddenField({ modulePath, tokenLabel, keyLabel: required('PKCS11_KEY_LABEL') }, 'pin', pin);
          break;
        }
        case 'aws-kms': {
          const keyId = r.string('AWS_KMS_KEY_ID');
          if (keyId === undefined) r.fail('AWS_KMS_KEY_ID', 'is required when KMS_PROVIDER=aws-kms (key id, ARN or alias/…)');
          const region = r.string('AWS_KMS_REGION') ?? r.string('AWS_REGION');
          if (region === undefined) r.fail('AWS_KMS_REGION', '(or AWS_REGION) is required when KMS_PROVIDER=aws-kms');
          const endpoint = r.url('AWS_KMS_ENDPOINT', ['https', 'http']);
          if (endpoint !== undefined && r.isProduction && !endpoint.startsWith('https:')) r.fail('AWS_KMS_ENDPOINT', 'must use https when NODE_ENV=production');
          aws = { keyId: keyId ?? '', region: region ?? '', endpoint };
          break;
        }
      }
      return { provider, local, pkcs11, aws };
    });
  }
}
