import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * A single-instance Redis lock: SET key token NX PX ttl with a random token, renewed and released
 * by Lua scripts that act only when the key still holds this holder's token.
 *
 * It is an optimisation (it saves duplicate work), not a correctness guarantee: a holder paused
 * for longer than the TTL can lose the lock while still working. Whatever runs under it must stay
 * safe when run twice (the SLA sweep relies on PostgreSQL compare-and-set for that).
 */
export interface LockOptions {
  /** How long the lock lives without renewal, in milliseconds (a positive integer). */
  ttlMs: number;
  /** How often `withRedisLock` renews it, in milliseconds; defaults to a third of `ttlMs`. */
  renewEveryMs?: number;
}

export interface ResolvedLockOptions {
  ttlMs: number;
  renewEveryMs: number;
}

/** Validates the options and fills in the renewal period; throws on values that cannot work. */
export function resolveLockOptions(options: LockOptions): ResolvedLockOptions {
  const { ttlMs } = options;
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`Lock ttlMs must be a positive integer, got ${ttlMs}`);
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  if (!Number.isFinite(renewEveryMs) || renewEveryMs <= 0 || renewEveryMs >= ttlMs) {
    throw new RangeError(`Lock renewEveryMs must be positive and below ttlMs (${ttlMs}), got ${renewEveryMs}`);
  }
  return { ttlMs, renewEveryMs };
}

/** KEYS[1] = lock key, ARGV[1] = token, ARGV[2] = ttl in ms. 1 when extended, 0 when not the holder. */
export const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** KEYS[1] = lock key, ARGV[1] = token. 1 when deleted, 0 when not the holder. */
export const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The reason `withRedisLock` aborts its signal with: the lock was taken over, expired, or could not be renewed. */
export class LockLostError extends Error {
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Lost the Redis lock ${key}`, options);
    this.name = 'LockLostError';
  }
}

export class RedisLock {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  private currentToken: string | undefined;
  private isHeld = false;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    options: LockOptions,
  ) {
    ({ ttlMs: this.ttlMs, renewEveryMs: this.renewEveryMs } = resolveLockOptions(options));
  }

  /** Whether this instance held the lock at its last acquire, renew or release (it may have expired since). */
  get held(): boolean {
    return this.isHeld;
  }

  /** The token of the current or last acquisition attempt; undefined before the first and after release. */
  get token(): string | undefined {
    return this.currentToken;
  }

  /**
   * Tries once; true when this instance now holds the lock (a fresh random token each attempt,
   * SET key token NX PX ttl). When it already holds it, renews instead.
   */
  async acquire(): Promise<boolean> {
    if (this.isHeld) return this.renew();
    const token = randomUUID();
    this.currentToken = token;
    const reply = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    this.isHeld = reply === 'OK';
    return this.isHeld;
  }

  /** Extends the TTL only if still the holder (Lua compare-and-pexpire); false if lost. Redis errors propagate. */
  async renew(): Promise<boolean> {
    if (!this.isHeld || this.currentToken === undefined) return false;
    const reply = await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.currentToken, this.ttlMs);
    this.isHeld = reply === 1;
    return this.isHeld;
  }

  /** Deletes only if still the holder (Lua compare-and-delete); false if it was not. Redis errors propagate. */
  async release(): Promise<boolean> {
    const token = this.currentToken;
    if (!this.isHeld || token === undefined) return false;
    try {
      const reply = await this.redis.eval(RELEASE_SCRIPT, 1, this.key, token);
      return reply === 1;
    } finally {
      // Even when Redis failed, this instance stops claiming the lock: it expires within ttlMs.
      this.isHeld = false;
      this.currentToken = undefined;
    }
  }
}

/**
 * Runs `work` under the lock if it can be taken (`{ ran: false }` otherwise), renewing it every
 * `renewEveryMs` while work runs and always releasing it at the end. When a renewal finds the lock
 * gone or Redis failing, renewal stops and `signal` aborts with a `LockLostError`, so that the work
 * can stop early; `work`'s own outcome (result or error) is passed through either way.
 *
 * An error from the final release is not thrown (it would hide the work's outcome; the key expires
 * by itself within ttlMs). An error from the initial acquire is thrown and `work` does not run.
 */
export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  options: LockOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const lock = new RedisLock(redis, key, options);
  if (!(await lock.acquire())) return { ran: false };

  const controller = new AbortController();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> | undefined;

  const lose = (cause?: unknown) => {
    if (!controller.signal.aborted) controller.abort(new LockLostError(key, cause === undefined ? undefined : { cause }));
  };
  const renewOnce = async (): Promise<void> => {
    try {
      if (!(await lock.renew())) return lose();
    } catch (error) {
      return lose(error);
    }
    schedule();
  };
  // One renewal at a time: the next is scheduled only when the previous has answered.
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      renewing = renewOnce();
    }, lock.renewEveryMs);
  };

  schedule();
  try {
    const result = await work(controller.signal);
    return { ran: true, result };
  } finally {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    await renewing;
    await lock.release().catch(() => false);
  }
}
