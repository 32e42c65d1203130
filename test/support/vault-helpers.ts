import { randomBytes } from 'node:crypto';
import { recordSecret } from './secret-ledger';

/** A fresh local KMS key `id:base64`, recorded so the run fails if it ever reaches a log. */
export function localKey(prefix = 'k'): { id: string; entry: string } {
  const id = `${prefix}-${randomBytes(4).toString('hex')}`;
  const material = recordSecret(randomBytes(32).toString('base64'));
  return { id, entry: `${id}:${material}` };
}

/** A secret value unlikely to appear anywhere by chance, recorded for the log scan. */
export function secretValue(label = 'secret'): string {
  return recordSecret(`${label}-${randomBytes(12).toString('hex')}`);
}
