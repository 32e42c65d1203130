/**
 * Polls `check` until it returns a value (not undefined/false) or the deadline passes: the specs wait
 * on conditions, never on fixed sleeps. The default deadline is generous (30 s): suites run in
 * parallel workers on two cores, and a passing wait returns as soon as its condition holds, so only a
 * failing one ever waits that long. Specs that assert how fast something happens pass their bound.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
