import { randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { Pkcs11KmsSettings } from '../config/kms.config';
import { DataKey, KeyContext, KeyRef, KmsKeyError, KmsProvider, WrappedKey, keyContextAad } from './kms-provider.interface';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Errors that mean the session or token went away (HSM restart, network HSM failover), not bad data. */
const SESSION_LOST = /CKR_(SESSION_HANDLE_INVALID|SESSION_CLOSED|DEVICE_REMOVED|DEVICE_ERROR|TOKEN_NOT_PRESENT|USER_NOT_LOGGED_IN|CRYPTOKI_NOT_INITIALIZED)/;

interface KeyObject {
  handle: pkcs11js.Handle;
  version: string;
}

/** The PKCS#11 session of one token, logged in as the user. */
class TokenSession {
  readonly lib = new pkcs11js.PKCS11();
  session!: pkcs11js.Handle;

  open(settings: Pkcs11KmsSettings): void {
    try {
      this.lib.load(settings.modulePath);
    } catch (error) {
      throw new KmsKeyError(`cannot load the PKCS#11 module ${settings.modulePath}: ${(error as Error).message}`);
    }
    this.lib.C_Initialize();
    try {
      const slot = this.lib
        .C_GetSlotList(true)
        .find((s) => this.lib.C_GetTokenInfo(s).label.trim() === settings.tokenLabel);
      if (slot === undefined) throw new KmsKeyError(`no PKCS#11 token labelled "${settings.tokenLabel}"`);
      this.session = this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        this.lib.C_Login(this.session, pkcs11js.CKU_USER, settings.pin);
      } catch (error) {
        if (!/CKR_USER_ALREADY_LOGGED_IN/.test((error as Error).message)) {
          throw new KmsKeyError(`cannot log in to PKCS#11 token "${settings.tokenLabel}": ${(error as Error).message.split(':')[0]}`);
        }
      }
    } catch (error) {
      this.lib.C_Finalize();
      throw error;
    }
  }

  /** The AES secret key with this label, or undefined. Refuses ambiguous labels. */
  findAesKey(label: string): KeyObject | undefined {
    this.lib.C_FindObjectsInit(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    let handles: pkcs11js.Handle[];
    try {
      handles = this.lib.C_FindObjects(this.session, 2);
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
    if (handles.length === 0) return undefined;
    if (handles.length > 1) throw new KmsKeyError(`more than one AES key on the token is labelled "${label}"`, label);
    const [id] = this.lib.C_GetAttributeValue(this.session, handles[0], [{ type: pkcs11js.CKA_ID }]);
    const version = Buffer.isBuffer(id.value) && id.value.length > 0 ? id.value.toString('hex') : '0';
    return { handle: handles[0], version };
  }

  close(): void {
    try {
      this.lib.C_Logout(this.session);
    } catch {
      // already logged out
    }
    try {
      this.lib.C_CloseSession(this.session);
    } finally {
      this.lib.C_Finalize();
    }
  }
}

/**
 * Key-encryption keys inside a PKCS#11 token (an HSM; SoftHSM2 in tests). Data
 * keys are sealed by the token with CKM_AES_GCM and never leave the process
 * unwrapped; the key-encryption key never leaves the token.
 * Key id = the key's CKA_LABEL, key version = its CKA_ID (hex). Rotation: create
 * a new key in the token, point PKCS11_KEY_LABEL at it, run `vault:rewrap`;
 * the old key opens older values for as long as the token keeps it.
 * Wrapped key layout: iv (12) ‖ ciphertext (32) ‖ tag (16).
 */
export class Pkcs11Provider implements KmsProvider {
  readonly name = 'pkcs11' as const;
  private token = new TokenSession();
  private readonly keys = new Map<string, KeyObject>();
  private active!: KeyRef;

  private constructor(private readonly settings: Pkcs11KmsSettings) {}

  /** Opens the token and finds the active key; throws (naming the label) when it is missing. */
  static open(settings: Pkcs11KmsSettings): Pkcs11Provider {
    const provider = new Pkcs11Provider(settings);
    provider.token.open(settings);
    try {
      const key = provider.key(settings.keyLabel);
      if (key === undefined) throw new KmsKeyError(`no AES key labelled "${settings.keyLabel}" on PKCS#11 token "${settings.tokenLabel}"`, settings.keyLabel);
      provider.active = { provider: 'pkcs11', keyId: settings.keyLabel, keyVersion: key.version };
    } catch (error) {
      provider.token.close();
      throw error;
    }
    return provider;
  }

  private key(label: string): KeyObject | undefined {
    let key = this.keys.get(label);
    if (key === undefined) {
      key = this.token.findAesKey(label);
      if (key !== undefined) this.keys.set(label, key);
    }
    return key;
  }

  private requireKey(label: string): KeyObject {
    const key = this.key(label);
    if (key === undefined) throw new KmsKeyError(`key "${label}" is not on PKCS#11 token "${this.settings.tokenLabel}"`, label);
    return key;
  }

  activeKey(): KeyRef {
    return { ...this.active };
  }

  canUnwrap(ref: KeyRef): boolean {
    if (ref.provider !== 'pkcs11') return false;
    try {
      return this.key(ref.keyId)?.version === ref.keyVersion;
    } catch {
      return false;
    }
  }

  hasKeyId(keyId: string): boolean {
    try {
      return this.key(keyId) !== undefined;
    } catch {
      return true; // ambiguous labels: let unwrap report it
    }
  }

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: await this.wrapKey(plaintext, context) };
  }

  async wrapKey(plaintext: Buffer, context: KeyContext): Promise<WrappedKey> {
    const ref = this.activeKey();
    const key = this.key(ref.keyId);
    if (key === undefined) throw new KmsKeyError(`the active key "${ref.keyId}" is no longer on the token`, ref.keyId);
    const iv = randomBytes(IV_BYTES);
    const sealed = this.withSession(() => {
      const { lib, session } = this.token;
      lib.C_EncryptInit(session, this.mechanism(iv, keyContextAad(ref, context)), this.requireKey(ref.keyId).handle);
      return lib.C_Encrypt(session, plaintext, Buffer.alloc(plaintext.length + TAG_BYTES));
    });
    return { ...ref, ciphertext: Buffer.concat([iv, sealed]) };
  }

  async unwrapKey(wrapped: WrappedKey, context: KeyContext): Promise<Buffer> {
    if (wrapped.provider !== 'pkcs11') throw new KmsKeyError(`data key was wrapped by the ${wrapped.provider} provider, not pkcs11`, wrapped.keyId);
    const key = this.key(wrapped.keyId);
    if (key === undefined) throw new KmsKeyError(`key "${wrapped.keyId}" is not on PKCS#11 token "${this.settings.tokenLabel}"`, wrapped.keyId);
    if (key.version !== wrapped.keyVersion) {
      throw new KmsKeyError(`key "${wrapped.keyId}" on the token (version ${key.version}) is not the key that wrapped this data key (version ${wrapped.keyVersion})`, wrapped.keyId);
    }
    const blob = wrapped.ciphertext;
    if (blob.length < IV_BYTES + TAG_BYTES + 1) throw new KmsKeyError(`wrapped data key under "${wrapped.keyId}" is truncated`, wrapped.keyId);
    try {
      return this.withSession(() => {
        const { lib, session } = this.token;
        lib.C_DecryptInit(session, this.mechanism(blob.subarray(0, IV_BYTES), keyContextAad(wrapped, context)), this.requireKey(wrapped.keyId).handle);
        const body = blob.subarray(IV_BYTES);
        return Buffer.from(lib.C_Decrypt(session, body, Buffer.alloc(body.length)));
      });
    } catch (error) {
      if (error instanceof KmsKeyError) throw error;
      throw new KmsKeyError(`data key under "${wrapped.keyId}" does not unwrap: tampered, or bound to another item`, wrapped.keyId);
    }
  }

  private mechanism(iv: Buffer, aad: Buffer): pkcs11js.Mechanism {
    const parameter: pkcs11js.GcmParams = { type: pkcs11js.CK_PARAMS_GCM, iv: Buffer.from(iv), ivBits: IV_BYTES * 8, aad, tagBits: TAG_BYTES * 8 };
    return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
  }

  /**
   * Runs a token operation; when the session is gone (HSM restarted, failover) it
   * opens a new one once and retries, so the service recovers without a restart.
   */
  private withSession<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      if (!SESSION_LOST.test((error as Error).message)) throw error;
      this.reconnect((error as Error).message);
      return operation();
    }
  }

  private reconnect(reason: string): void {
    try {
      this.token.close();
    } catch {
      // the old session is unusable anyway
    }
    this.keys.clear();
    const token = new TokenSession();
    try {
      token.open(this.settings);
    } catch (error) {
      throw new KmsKeyError(`PKCS#11 session lost (${reason.split(':')[0]}) and could not be reopened: ${(error as Error).message}`, this.active.keyId);
    }
    this.token = token;
  }

  async health(): Promise<void> {
    // A fresh lookup (not the cache) proves the session and the key are still there.
    const key = this.withSession(() => this.token.findAesKey(this.active.keyId));
    if (key === undefined) throw new KmsKeyError(`the active key "${this.active.keyId}" is no longer on the token`, this.active.keyId);
  }

  async close(): Promise<void> {
    this.token.close();
  }
}

/**
 * Creates a non-extractable AES-256 key in a token (setup and tests; an HSM's own
 * tooling does the same, e.g. `pkcs11-tool --keygen --key-type AES:32 --label …`).
 */
export function createPkcs11AesKey(settings: Pkcs11KmsSettings, keyLabel: string): string {
  const token = new TokenSession();
  token.open(settings);
  try {
    if (token.findAesKey(keyLabel) !== undefined) throw new KmsKeyError(`an AES key labelled "${keyLabel}" already exists`, keyLabel);
    const id = randomBytes(8);
    token.lib.C_GenerateKey(token.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: keyLabel },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
    ]);
    return id.toString('hex');
  } finally {
    token.close();
  }
}
