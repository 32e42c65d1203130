import { loadPgBossTimersEagerly } from './pg-boss-timers';
// The environment every end-to-end test app starts from; individual tests override per app.
export const TEST_JWT_SECRET = 'e2e-test-secret-7c1f9a2b4d6e8f0a1b3c5d7e9f1a3b5c';

process.env.NODE_ENV = 'test';
process.env.JWT_SECRET = TEST_JWT_SECRET;
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
process.env.DB_MIGRATIONS_RUN = 'false'; // applied once by the global setup
process.env.RATE_LIMIT_MAX = process.env.RATE_LIMIT_MAX ?? '100000';
// Suites run in parallel workers on two cores: a new connection can take seconds to be accepted there.
// (The outage specs set their own short timeout.)
process.env.DB_CONNECT_TIMEOUT_MS = process.env.DB_CONNECT_TIMEOUT_MS ?? '15000';

loadPgBossTimersEagerly();
