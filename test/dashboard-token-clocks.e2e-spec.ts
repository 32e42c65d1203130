import { Clock } from '../src/common/clock';
import { FakeClock } from './support/fake-clock';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';

const SKEW_MS = 5000;
const SECRET = 'fault-token-secret-for-clock-skew-e2e-8d1f3a';

/**
 * Two instances on one database whose clocks are 5 s apart (the second runs ahead): each accepts
 * the dashboard tokens the other mints, because they are verified with JWT_CLOCK_TOLERANCE_SECONDS.
 * With a tolerance of 0 the slow instance refuses the fast one's tokens as issued in its future,
 * which is what this test would catch if the tolerance were ever dropped again.
 */
describe('dashboard tokens across instances whose clocks differ by 5 s', () => {
  const slowClock = FakeClock.running();
  const fastClock = FakeClock.running();
  fastClock.advance(SKEW_MS);
  let slow: TestApp;
  let fast: TestApp;
  const tenant = newTenant();
  const user = userToken(tenant);

  const start = (clock: Clock, env: Record<string, string> = {}): Promise<TestApp> =>
    startTestApp({ env: { FAULT_TOKEN_SECRET: SECRET, ...env }, override: (b) => b.overrideProvider(Clock).useValue(clock) });
  const mint = async (app: TestApp): Promise<string> => {
    const res = await app.request('POST', '/fault/token', { token: user, body: { expire_after_minutes: 5 } });
    expect(res.status).toBe(200);
    return res.body.token as string;
  };

  beforeAll(async () => {
    [slow, fast] = await Promise.all([start(slowClock), start(fastClock)]);
  });
  afterAll(() => Promise.all([slow.close(), fast.close()]));

  it('the slow instance accepts a token the fast one minted, and the other way round', async () => {
    const fromFast = await mint(fast);
    expect((await slow.request('GET', '/fault', { token: fromFast })).status).toBe(200);
    expect((await slow.request('GET', `/fault/token/${encodeURIComponent(fromFast)}`)).status).toBe(200);
    const fromSlow = await mint(slow);
    expect((await fast.request('GET', '/fault', { token: fromSlow })).status).toBe(200);
  });

  it('without a tolerance the slow instance would refuse it as issued in the future', async () => {
    const strict = await start(slowClock, { JWT_CLOCK_TOLERANCE_SECONDS: '0' });
    try {
      const res = await strict.request('GET', '/fault', { token: await mint(fast) });
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Token is issued in the future (iat)');
    } finally {
      await strict.close();
    }
  });
});
