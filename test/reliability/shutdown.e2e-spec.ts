import { spawnService } from '../support/spawn-service';

const DRAIN_MS = 2000;
/**
 * The client stamps a request when it sends it; the service starts its drain timer when the signal reaches it.
 * On a loaded machine (the suite's other workers share two cores) both lag by a few hundred milliseconds, so a
 * request only counts as "sent during the drain" if it left this much before the earliest possible close.
 */
const CLOCK_SLACK_MS = 700;
/** How long the load goes on after the earliest possible close, so that a request is seen refused after it. */
const AFTER_CLOSE_MS = 2000;

/**
 * SIGTERM while requests are in flight. During the drain the service keeps
 * serving (readiness says 503, responses close their connections); then it
 * closes the listener, finishes what it accepted and exits 0. A request sent
 * during the drain never fails; one sent after the listener closed is refused,
 * as by any stopped instance (the load balancer stopped routing on readiness).
 */
describe('graceful shutdown under load', () => {
  it('finishes every request sent before the listener closes', async () => {
    const service = await spawnService({ SHUTDOWN_DRAIN_MS: String(DRAIN_MS) });
    const results: Array<{ sentAt: number; status: number | string }> = [];
    let sigtermAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const sentAt = Date.now();
        const status = await fetch(`${service.url}/health`).then(
          (r) => r.status,
          (error: { cause?: { code?: string } }) => error.cause?.code ?? 'error',
        );
        results.push({ sentAt, status });
      }
    };
    const workers = Array.from({ length: 16 }, () => worker());
    await new Promise((resolve) => setTimeout(resolve, 400));
    sigtermAt = Date.now();
    const exit = service.stop('SIGTERM');
    const readyDuringDrain = await new Promise<number>((resolve) =>
      setTimeout(() => void fetch(`${service.url}/health/ready`).then((r) => resolve(r.status)), DRAIN_MS / 3),
    );
    // The load goes on well past the earliest close: the listener closes only after the shutdown hooks
    // (job queue, streams) have finished, which on a loaded machine can take a second or two more.
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS + 2 * CLOCK_SLACK_MS + AFTER_CLOSE_MS));
    stop = true;
    await Promise.all(workers);

    expect(await exit).toBe(0);
    expect(readyDuringDrain).toBe(503);
    const beforeClose = results.filter((r) => r.sentAt < sigtermAt + DRAIN_MS - CLOCK_SLACK_MS);
    const afterSigterm = beforeClose.filter((r) => r.sentAt >= sigtermAt);
    expect(beforeClose.length).toBeGreaterThan(100);
    expect(afterSigterm.length).toBeGreaterThan(10); // the load really continued into the drain
    expect(beforeClose.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.some((r) => r.sentAt > sigtermAt + DRAIN_MS + CLOCK_SLACK_MS && r.status !== 200)).toBe(true); // and past the close
    expect(service.logs.some((l) => l.includes('shutting down'))).toBe(true);
    expect(service.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
