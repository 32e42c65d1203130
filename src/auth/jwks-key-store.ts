import { Logger } from '@nestjs/common';
import { JsonWebKey, KeyObject, createPublicKey } from 'node:crypto';
import { algorithmForKey } from './jws';
import { TokenError } from './token-error';

export interface JwksOptions {
  url: string;
  cooldownMs: number;
  cacheMs: number;
  fetchTimeoutMs?: number;
  now?: () => number;
  fetchFn?: typeof fetch;
}

/**
 * The identity provider's public keys, parsed into KeyObjects once per fetch.
 * An unknown `kid` triggers a refetch, at most once per cooldown, so a flood
 * of forged kids cannot turn into a flood of requests to the provider.
 */
export class JwksKeyStore {
  private readonly logger = new Logger(JwksKeyStore.name);
  private keys = new Map<string, KeyObject>();
  private fetchedAt = -Infinity;
  private lastAttemptAt = -Infinity;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: JwksOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async getKey(kid: string | undefined): Promise<KeyObject> {
    if (kid === undefined) throw new TokenError('Token has no key id (kid)');
    const stale = this.now() - this.fetchedAt > this.options.cacheMs;
    if (stale || !this.keys.has(kid)) await this.refresh();
    const key = this.keys.get(kid);
    if (key === undefined) throw new TokenError('Token key id (kid) is unknown');
    return key;
  }

  private async refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.now() - this.lastAttemptAt < this.options.cooldownMs) return;
    this.lastAttemptAt = this.now();
    this.inflight = this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    const fetchFn = this.options.fetchFn ?? fetch;
    try {
      const response = await fetchFn(this.options.url, {
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5000),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('no "keys" array');
      this.keys = JwksKeyStore.parseKeys(body.keys);
      this.fetchedAt = this.now();
    } catch (error) {
      // Keep the keys we had: a provider hiccup must not log everybody out.
      this.logger.warn(`could not refresh JWKS from ${this.options.url}: ${(error as Error).message}`);
    }
  }

  static parseKeys(jwks: unknown[]): Map<string, KeyObject> {
    const keys = new Map<string, KeyObject>();
    for (const jwk of jwks) {
      if (typeof jwk !== 'object' || jwk === null) continue;
      const { kid, use, alg, kty } = jwk as { kid?: unknown; use?: unknown; alg?: unknown; kty?: unknown };
      if (typeof kid !== 'string' || (use !== undefined && use !== 'sig') || kty === 'oct') continue;
      try {
        const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
        const keyAlg = algorithmForKey(key);
        if (keyAlg === undefined || (alg !== undefined && alg !== keyAlg)) continue;
        keys.set(kid, key);
      } catch {
        // An unusable key in the set is skipped, not fatal.
      }
    }
    return keys;
  }
}
