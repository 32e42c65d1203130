import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AwsKmsProvider } from './aws-kms.provider';
import { EnvelopeCrypto, EnvelopeError } from './envelope';
import { KmsKeyError } from './kms-provider.interface';

interface Captured {
  target: string;
  url: string;
  authorization: string;
  body: Record<string, any>;
}

/**
 * No AWS endpoint is reachable from the tests, so they stop at the SDK's request
 * boundary: a request handler captures every signed HTTP request the provider
 * sends and answers as AWS KMS would (a data key bound to its encryption
 * context; InvalidCiphertextException when the context differs).
 */
function fakeKms() {
  const captured: Captured[] = [];
  const sealed = new Map<string, { plaintext: string; context: string; keyId: string }>();
  const reply = (status: number, body: object) => ({
    response: { statusCode: status, reason: '', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) },
  });
  const requestHandler = {
    handle: async (request: { headers: Record<string, string>; body: string | Uint8Array; hostname: string; path: string; protocol: string }) => {
      const body = JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body)) as Record<string, any>;
      const target = request.headers['x-amz-target'];
      captured.push({ target, url: `${request.protocol}//${request.hostname}${request.path}`, authorization: request.headers.authorization, body });
      const blobFor = (plaintext: Buffer) => {
        const blob = randomBytes(48).toString('base64');
        sealed.set(blob, { plaintext: plaintext.toString('base64'), context: JSON.stringify(body.EncryptionContext), keyId: body.KeyId });
        return blob;
      };
      switch (target) {
        case 'TrentService.GenerateDataKey': {
          const plaintext = randomBytes(32);
          return reply(200, { KeyId: `arn:aws:kms:eu-west-1:111122223333:key/${body.KeyId}`, Plaintext: plaintext.toString('base64'), CiphertextBlob: blobFor(plaintext) });
        }
        case 'TrentService.Encrypt':
          return reply(200, { KeyId: body.KeyId, CiphertextBlob: blobFor(Buffer.from(body.Plaintext, 'base64')) });
        case 'TrentService.Decrypt': {
          const entry = sealed.get(body.CiphertextBlob);
          if (!entry || entry.context !== JSON.stringify(body.EncryptionContext) || entry.keyId !== body.KeyId) {
            return reply(400, { __type: 'InvalidCiphertextException', message: 'The ciphertext is invalid' });
          }
          return reply(200, { KeyId: body.KeyId, Plaintext: entry.plaintext });
        }
        case 'TrentService.DescribeKey':
          return reply(200, { KeyMetadata: { KeyId: body.KeyId, KeyState: body.KeyId === 'disabled-key' ? 'Disabled' : 'Enabled' } });
        default:
          return reply(400, { __type: 'UnknownOperationException' });
      }
    },
  };
  return { captured, requestHandler };
}

describe('AWS KMS provider (at the SDK request boundary)', () => {
  const settings = { keyId: 'alias/netops-vault', region: 'eu-west-1', endpoint: 'https://kms.eu-west-1.amazonaws.com' };
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const binding = { tenant: 'cus_a', item: 'vlt_01', version: 1 };

  it('asks GenerateDataKey for an AES-256 key bound to tenant and item, signed for the configured region', async () => {
    const fake = fakeKms();
    const kms = new AwsKmsProvider(settings, { requestHandler: fake.requestHandler as never, credentials, maxAttempts: 1 });
    const crypto = new EnvelopeCrypto(kms);
    const sealed = await crypto.seal('value', binding);
    expect(fake.captured[0]).toMatchObject({
      target: 'TrentService.GenerateDataKey',
      url: 'https://kms.eu-west-1.amazonaws.com/',
      body: { KeyId: 'alias/netops-vault', KeySpec: 'AES_256', EncryptionContext: { 'netops:tenant': 'cus_a', 'netops:item': 'vlt_01' } },
    });
    expect(fake.captured[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/kms\/aws4_request/);
    expect(sealed.wrappedKey).toMatchObject({ provider: 'aws-kms', keyId: 'alias/netops-vault' });
    expect(await crypto.open(sealed, binding)).toBe('value');
    expect(fake.captured[1]).toMatchObject({ target: 'TrentService.Decrypt', body: { KeyId: 'alias/netops-vault', EncryptionContext: { 'netops:tenant': 'cus_a', 'netops:item': 'vlt_01' } } });
    await kms.close();
  });

  it('fails closed when the context differs (value copied to another item), naming the key', async () => {
    const fake = fakeKms();
    const kms = new AwsKmsProvider(settings, { requestHandler: fake.requestHandler as never, credentials, maxAttempts: 1 });
    const crypto = new EnvelopeCrypto(kms);
    const sealed = await crypto.seal('value', binding);
    await expect(crypto.open(sealed, { ...binding, item: 'vlt_02' })).rejects.toThrow(EnvelopeError);
    await expect(kms.unwrapKey(sealed.wrappedKey, { ...binding, tenant: 'cus_b' })).rejects.toThrow(new KmsKeyError('AWS KMS refused key alias/netops-vault: InvalidCiphertextException'));
    await kms.close();
  });

  it('re-wraps with Encrypt under the active key and reports key health with DescribeKey', async () => {
    const fake = fakeKms();
    const kms = new AwsKmsProvider(settings, { requestHandler: fake.requestHandler as never, credentials, maxAttempts: 1 });
    const crypto = new EnvelopeCrypto(kms);
    const sealed = await crypto.seal('value', binding);
    const moved = await crypto.rewrap(sealed.wrappedKey, binding);
    expect(fake.captured.map((c) => c.target)).toEqual(['TrentService.GenerateDataKey', 'TrentService.Decrypt', 'TrentService.Encrypt']);
    expect(await crypto.open({ ...sealed, wrappedKey: moved }, binding)).toBe('value');
    await expect(kms.health()).resolves.toBeUndefined();
    const disabled = new AwsKmsProvider({ ...settings, keyId: 'disabled-key' }, { requestHandler: fake.requestHandler as never, credentials, maxAttempts: 1 });
    await expect(disabled.health()).rejects.toThrow(/disabled-key is Disabled/);
    await kms.close();
    await disabled.close();
  });
});
