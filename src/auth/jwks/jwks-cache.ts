import { Logger } from '@nestjs/common';
import { JSONWebKeySet, JWTVerifyGetKey, createLocalJWKSet, jwtVerify } from 'jose';
import { JwtPayload, validateClaims } from '../claims';
import { DecodedToken } from '../decoded-token';
import { refusalOf } from '../library-errors';
import { SignatureVerifier, VerificationTime } from '../signature-verifier';
import { TokenError } from '../token-error';
import { fetchJwks } from './jwks-fetch';

/** The provider's keys could not be had (never fetched, or older than the bound): a 503, not the caller's fault. */
export class KeysUnavailableError extends Error {
  constructor() {
    super("The identity provider's signing keys are unavailable (JWKS); try again shortly");
    this.name = 'KeysUnavailableError';
  }
}

export interface JwksCacheOptions {
  url: string;
  /** Least time between two fetches, whatever asks for them (unknown `kid`s, revalidation). */
  cooldownMs: number;
  /** Keys not confirmed by a fetch for this long are no longer trusted (bounded staleness). */
  maxStalenessMs: number;
  timeoutMs: number;
  maxBytes: number;
  /** Milliseconds since 1970: the service's clock. */
  now: () => number;
  fetchFn?: typeof fetch;
  /** Least time between two warnings about failed fetches. */
  failureLogIntervalMs?: number;
}

/** Only the provider's asymmetric algorithms; HS256 and `none` never reach a JWKS key. */
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

interface KeySet {
  verifyWith: JWTVerifyGetKey;
  kids: ReadonlySet<string>;
  fetchedAt: number;
}

/**
 * The identity provider's key set, kept fresh in the background (stale-while-revalidate): past
 * half its allowed age a request starts a refresh and goes on with the keys it has; past the whole
 * age (JWT_JWKS_CACHE_SECONDS) unconfirmed keys are dropped. A token naming a `kid` the set does
 * not hold (a rotation) waits for one shared fetch, at most one per cooldown. Keys are parsed and
 * matched by `jose` (createLocalJWKSet, jwtVerify): no key or signature code of ours.
 */
export class JwksCache implements SignatureVerifier {
  private readonly logger = new Logger('JwksCache');
  private keys: KeySet | undefined;
  private inflight: Promise<void> | undefined;
  private lastAttemptAt = -Infinity;
  private unloggedFailures = 0;
  private lastFailureLogAt = -Infinity;
  /** Refreshes by outcome, for the metrics. */
  readonly refreshes = { success: 0, failure: 0 };

  constructor(private readonly options: JwksCacheOptions) {}

  /** The first fetch, started at boot so that the first requests rarely wait. */
  start(): void {
    void this.refresh();
  }

  async verify(token: DecodedToken, time: VerificationTime): Promise<JwtPayload> {
    const keys = await this.keysFor(token.header.kid);
    try {
      const { payload } = await jwtVerify(token.raw, keys.verifyWith, {
        algorithms: ALGORITHMS,
        currentDate: new Date(time.nowSeconds * 1000),
        clockTolerance: time.clockToleranceSeconds,
      });
      return payload;
    } catch (error) {
      throw refusalOf(error, token, () => validateClaims(token.payload, time));
    }
  }

  private async keysFor(kid: string | undefined): Promise<KeySet> {
    const now = this.options.now();
    let keys = this.trusted(now);
    if (keys !== undefined && now - keys.fetchedAt >= this.options.maxStalenessMs / 2) void this.refresh();
    if (keys !== undefined && (kid === undefined || keys.kids.has(kid))) return keys;
    // Needed now: no trusted keys, or a kid the set does not hold. Joins a fetch under way.
    await this.refresh();
    keys = this.trusted(this.options.now());
    if (keys === undefined) throw new KeysUnavailableError();
    if (kid !== undefined && !keys.kids.has(kid)) throw new TokenError('Token key id (kid) is unknown');
    return keys;
  }

  private trusted(now: number): KeySet | undefined {
    return this.keys !== undefined && now - this.keys.fetchedAt < this.options.maxStalenessMs ? this.keys : undefined;
  }

  /** One fetch shared by every caller; none when the last began less than a cooldown ago. */
  private refresh(): Promise<void> {
    if (this.inflight !== undefined) return this.inflight;
    const now = this.options.now();
    if (now - this.lastAttemptAt < this.options.cooldownMs) return Promise.resolve();
    this.lastAttemptAt = now;
    this.inflight = this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    try {
      const set = await fetchJwks(this.options);
      this.keys = { verifyWith: createLocalJWKSet(set), kids: kidsOf(set), fetchedAt: this.options.now() };
      this.refreshes.success++;
      if (this.unloggedFailures > 0 || this.lastFailureLogAt > -Infinity) {
        this.logger.log(`JWKS fetched again from ${this.options.url} after failures`);
        this.unloggedFailures = 0;
        this.lastFailureLogAt = -Infinity;
      }
    } catch (error) {
      // The keys we had stay until their age runs out: a provider hiccup must not log everybody out.
      this.refreshes.failure++;
      this.unloggedFailures++;
      const now = this.options.now();
      if (now - this.lastFailureLogAt >= (this.options.failureLogIntervalMs ?? 60_000)) {
        const age = this.keys === undefined ? 'no keys held' : `keys held are ${Math.round((now - this.keys.fetchedAt) / 1000)} s old`;
        this.logger.warn(`could not fetch JWKS from ${this.options.url} (${this.unloggedFailures} failure(s) since the last warning; ${age}): ${describe(error)}`);
        this.unloggedFailures = 0;
        this.lastFailureLogAt = now;
      }
    }
  }
}

function kidsOf(set: JSONWebKeySet): Set<string> {
  return new Set(set.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
