import { Agent } from 'node:http';

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

let handedOut = 0;

/**
 * A client address of the test's own: every 127.x.y.z reaches the api listening on 127.0.0.1, so
 * connections from a new one look like a new client to it (no proxy headers involved). Each is
 * handed out once per test process, none of them 127.0.0.1.
 */
export function freshClientAddress(): string {
  handedOut += 1;
  return `127.${1 + Math.floor(handedOut / 250)}.0.${1 + (handedOut % 250)}`;
}

/** An HTTP agent whose connections come from `address`: `request(url).post(...).agent(from(address))`. */
export function from(address: string): Agent {
  return new Agent({ localAddress: address });
}
