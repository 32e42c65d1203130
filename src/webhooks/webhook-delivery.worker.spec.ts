import { EventsConfig } from '../config/events.config';
import { EventListener, EventsRepository, EventsService } from '../events';
import { JobQueue } from '../jobs/job-queue';
import { FakeClock } from '../../test/support/fake-clock';
import { FakeJobQueue } from '../../test/support/fakes/fake-job-queue';
import { FakeWebhooksRepository } from '../../test/support/fakes/fake-webhooks.repository';
import { WebhookSecretBox } from './webhook-secret-box';
import { DeliveryResult, sendDelivery } from './webhook-sender';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhooksRepository } from './webhooks.repository';

jest.mock('./webhook-sender', () => ({ sendDelivery: jest.fn() }));
const send = jest.mocked(sendDelivery);

/**
 * The retry schedule and the give-up rules of webhook deliveries, through WebhookDeliveryWorker.runLane
 * with an in-memory repository, a fake clock and the receiver's answers scripted (no HTTP, no
 * database, no job queue): retries back off from WEBHOOK_RETRY_BASE_MS, doubling up to
 * WEBHOOK_RETRY_MAX_MS; a delivery older than WEBHOOK_RETRY_HOURS fails for good after its next
 * failure; a webhook failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled.
 */
describe('WebhookDeliveryWorker retries', () => {
  const HOUR = 3_600_000;
  const t0 = new Date('2026-01-01T00:00:00Z');
  const ok: DeliveryResult = { ok: true, status: 204, error: null };
  const refused: DeliveryResult = { ok: false, status: 503, error: 'HTTP 503' };

  const setup = (env: Record<string, string> = {}) => {
    const clock = new FakeClock(t0);
    const repo = new FakeWebhooksRepository();
    const jobs = new FakeJobQueue();
    const missingEvents = new Set<string>();
    const events = {
      findById: async (id: string) => (missingEvents.has(id) ? null : { seq: '1', envelope: { id, type: 'fault.created', created_at: '', customer_id: 'cus_a', data: {} } }),
    } as unknown as EventsRepository;
    const worker = new WebhookDeliveryWorker(
      jobs as unknown as JobQueue,
      repo as unknown as WebhooksRepository,
      events,
      {} as EventsService,
      {} as EventListener,
      { open: async () => 'whsec_dGVzdA==' } as unknown as WebhookSecretBox,
      EventsConfig.fromEnv({ WEBHOOK_RETRY_BASE_MS: '5000', WEBHOOK_RETRY_MAX_MS: '3600000', ...env }),
      clock,
    );
    const webhook = repo.addWebhook();
    /** Moves the clock to `at` and runs the lane once, the receiver answering `results` in turn. */
    const runAt = async (at: Date, ...results: DeliveryResult[]): Promise<void> => {
      clock.current = at;
      for (const r of results) send.mockResolvedValueOnce(r);
      await worker.runLane(webhook.id, 'flt_lane', 'cus_a');
    };
    return { clock, repo, jobs, worker, webhook, missingEvents, runAt };
  };

  beforeEach(() => {
    send.mockReset();
    jest.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter: the delays are exact
  });
  afterEach(() => jest.restoreAllMocks());

  it('retries a failed delivery after 5 s, then 10 s, 20 s …, capped at an hour, the lane held meanwhile', async () => {
    const s = setup();
    const first = s.repo.addDelivery(s.webhook, t0);
    const second = s.repo.addDelivery(s.webhook, t0);
    await s.runAt(t0, refused);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastResponseCode: 503, nextAttemptAt: new Date(t0.getTime() + 5_000) });
    // The lane waits for the failed head: the next delivery is not attempted, a lane job is queued for the retry.
    expect(send).toHaveBeenCalledTimes(1);
    expect(second.attempts).toBe(0);
    expect(s.jobs.sent.map((j) => j.options.singletonKey)).toEqual([`${s.webhook.id}:flt_lane`]);

    const delays: number[] = [];
    for (let attempt = 2; attempt <= 14; attempt++) {
      const at = first.nextAttemptAt!;
      await s.runAt(at, refused);
      delays.push(first.nextAttemptAt!.getTime() - at.getTime());
    }
    expect(delays.slice(0, 5)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(delays.slice(-2)).toEqual([HOUR, HOUR]);
  });

  it('does not attempt a delivery before its retry is due: the lane is queued for then', async () => {
    const s = setup();
    const delivery = s.repo.addDelivery(s.webhook, t0);
    await s.runAt(t0, refused);
    await s.runAt(new Date(t0.getTime() + 4_999));
    expect(send).toHaveBeenCalledTimes(1);
    expect(delivery.attempts).toBe(1);
  });

  it('spreads retries by ±20 % jitter', async () => {
    const s = setup();
    const delivery = s.repo.addDelivery(s.webhook, t0);
    jest.spyOn(Math, 'random').mockReturnValue(0);
    await s.runAt(t0, refused);
    expect(delivery.nextAttemptAt!.getTime() - t0.getTime()).toBe(4_000);
    jest.spyOn(Math, 'random').mockReturnValue(1);
    const second = delivery.nextAttemptAt!;
    await s.runAt(second, refused);
    expect(delivery.nextAttemptAt!.getTime() - second.getTime()).toBe(12_000);
  });

  it('goes on with the lane after a success, and a success ends the run of failures', async () => {
    const s = setup();
    const first = s.repo.addDelivery(s.webhook, t0);
    await s.runAt(t0, refused);
    const second = s.repo.addDelivery(s.webhook, t0);
    await s.runAt(first.nextAttemptAt!, ok, ok);
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    expect(s.repo.webhooks.get(s.webhook.id)!.failingSince).toBeNull();
  });

  it('gives a delivery up after its first failure once WEBHOOK_RETRY_HOURS have passed since it was created, and goes on', async () => {
    const s = setup({ WEBHOOK_RETRY_HOURS: '24', WEBHOOK_DISABLE_AFTER_HOURS: '720' });
    const old = s.repo.addDelivery(s.webhook, t0);
    const next = s.repo.addDelivery(s.webhook, new Date(t0.getTime() + 24 * HOUR - 1));
    // Just inside the window: retried.
    await s.runAt(new Date(t0.getTime() + 24 * HOUR - 1), refused);
    expect(old).toMatchObject({ status: 'pending', attempts: 1 });
    // At the window's end: failed for good, no retry queued, and the lane's next delivery is attempted.
    s.jobs.sent.length = 0;
    await s.runAt(new Date(t0.getTime() + 25 * HOUR), refused, ok);
    expect(old).toMatchObject({ status: 'failed', attempts: 2, nextAttemptAt: null });
    expect(next.status).toBe('succeeded');
    expect(s.jobs.sent).toEqual([]);
  });

  it('disables a webhook failing for WEBHOOK_DISABLE_AFTER_HOURS and fails its pending deliveries', async () => {
    const s = setup({ WEBHOOK_DISABLE_AFTER_HOURS: '2' });
    const delivery = s.repo.addDelivery(s.webhook, t0);
    const waiting = s.repo.addDelivery(s.webhook, t0);
    await s.runAt(t0, refused);
    await s.runAt(new Date(t0.getTime() + 2 * HOUR - 1), refused);
    expect(s.repo.webhooks.get(s.webhook.id)!.disabled).toBe(false);
    // Failing since t0: the next failure after 2 h disables it (its retry is due 10 s after the last one).
    await s.runAt(new Date(t0.getTime() + 2 * HOUR + 10_000), refused);
    expect(s.repo.webhooks.get(s.webhook.id)).toMatchObject({ disabled: true, disabledReason: 'deliveries failed for 2 hours' });
    expect([delivery.status, waiting.status]).toEqual(['failed', 'failed']);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('fails without sending a delivery whose webhook is disabled or deleted, or whose event is gone', async () => {
    const s = setup();
    const gone = s.repo.addDelivery(s.webhook, t0);
    s.missingEvents.add(gone.eventId);
    await s.runAt(t0);
    expect(gone).toMatchObject({ status: 'failed', lastError: 'event no longer stored (past EVENTS_RETENTION_HOURS)' });
    const disabled = s.repo.addDelivery(s.webhook, t0);
    s.repo.webhooks.get(s.webhook.id)!.disabled = true;
    await s.runAt(t0);
    expect(disabled).toMatchObject({ status: 'failed', lastError: 'webhook disabled', nextAttemptAt: null });
    const deleted = s.repo.addDelivery(s.webhook, t0);
    s.repo.webhooks.delete(s.webhook.id);
    await s.runAt(t0);
    expect(deleted).toMatchObject({ status: 'failed', lastError: 'webhook deleted' });
    expect(send).not.toHaveBeenCalled();
  });
});
