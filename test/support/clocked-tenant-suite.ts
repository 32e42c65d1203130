import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { Env } from '../../src/config/env';
import { FakeClock } from './fake-clock';
import { TestApp, startTestApp } from './test-app';
import { newTenant, userToken } from './tokens';

export interface ClockedTenantSuite {
  /** The app, started before the suite's tests on `clock` (its Clock overridden) and closed after them. */
  readonly t: TestApp;
  readonly db: DataSource;
  readonly clock: FakeClock;
  /** A tenant of its own for each test, and a token of its user usr_alice. */
  readonly tenant: string;
  readonly token: string;
}

export interface ClockedTenantSuiteOptions {
  env?: Env;
  /** Where the clock stands at the start of each test (default: now). */
  startAt?: () => Date;
  /** The user token's lifetime (default: tokens.ts's). */
  tokenExpiresInSeconds?: number;
}

/**
 * The fixture of the fault suites that move time by hand: the app on a FakeClock, a fresh tenant and
 * its user's token per test. Call it inside `describe`: it adds the suite's beforeAll, afterAll and
 * beforeEach, and answers an object whose fields hold the current app, tenant and token.
 */
export function clockedTenantSuite(options: ClockedTenantSuiteOptions = {}): ClockedTenantSuite {
  const clock = new FakeClock();
  let t: TestApp | undefined;
  let db: DataSource | undefined;
  let tenant = '';
  let token = '';
  beforeAll(async () => {
    t = await startTestApp({ env: options.env, override: (b) => b.overrideProvider(Clock).useValue(clock) });
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());
  beforeEach(() => {
    clock.current = options.startAt?.() ?? new Date();
    tenant = newTenant();
    token = userToken(tenant, { subject: 'usr_alice', ...(options.tokenExpiresInSeconds !== undefined ? { expiresInSeconds: options.tokenExpiresInSeconds } : {}) });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('clockedTenantSuite: the app is not started (used outside a test?)');
    return value;
  };
  return {
    get t() {
      return started(t);
    },
    get db() {
      return started(db);
    },
    clock,
    get tenant() {
      return tenant;
    },
    get token() {
      return token;
    },
  };
}
