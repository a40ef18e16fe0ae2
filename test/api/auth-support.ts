/**
 * Helpers of the auth suites (login back-off, session end).
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a truthy value; fails after `timeoutMs` (an upper bound for the
 * test to fail, never a speed the code under test must reach), naming what it waited for.
 */
export async function eventually<T>(what: string, check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`Gave up after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
