import { randomBytes } from 'node:crypto';
import { Clock } from '../../src/auth/clock';
import { recordSecret } from './secret-ledger';

/** A Clock the test moves, instead of sleeping. */
export class FakeClock extends Clock {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

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
