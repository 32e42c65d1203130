import { setTimeout as sleep } from 'node:timers/promises';

/**
 * pg-boss's `delay()` requires `node:timers/promises` inside every call. When it stops, pg-boss
 * leaves a loop running that watches its workers stop (one `delay(1000)` per turn); a turn that
 * falls after Jest tore the test file's module registry down gets `undefined` from that require and
 * throws, failing the whole file although every test passed. This gives pg-boss's tools — before
 * any pg-boss module takes `delay` from them — the same function with the module loaded up front.
 * Only the test environment has the problem: a real process keeps its modules.
 */
export function loadPgBossTimersEagerly(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tools = require('pg-boss/src/tools') as { delay: (ms: number, error?: string) => Promise<void> & { abort(): void } };
  tools.delay = (ms: number, error?: string) => {
    const controller = new AbortController();
    const promise = new Promise<void>((resolve, reject) => {
      sleep(ms, null, { signal: controller.signal, ref: false }).then(
        () => (error ? reject(new Error(error)) : resolve()),
        () => resolve(),
      );
    }) as Promise<void> & { abort(): void };
    promise.abort = () => {
      if (!controller.signal.aborted) controller.abort();
    };
    return promise;
  };
}
