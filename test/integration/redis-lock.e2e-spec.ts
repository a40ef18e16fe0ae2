import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { LockLostError, RedisLock, withRedisLock } from '@helpdesk/queue';
import { TEST_ENV, testRedisUrl } from '@helpdesk/testing';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 25 ms until it returns true; fails after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Resolves when `signal` aborts; fails after `timeoutMs`. */
function aborted(signal: AbortSignal, timeoutMs = 5000): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The signal did not abort within ${timeoutMs} ms`)), timeoutMs);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * The lock against a real Redis. Two connections stand for two processes contending for one key;
 * every test uses its own key under the run's prefix (the global teardown removes leftovers).
 */
describe('RedisLock and withRedisLock (real Redis)', () => {
  let redisA: Redis;
  let redisB: Redis;
  const keys: string[] = [];
  const prefix = process.env[TEST_ENV.redisPrefix] ?? 'helpdesk-test';
  const newKey = () => {
    const key = `${prefix}-lock:${randomUUID()}`;
    keys.push(key);
    return key;
  };

  beforeAll(() => {
    redisA = new Redis(testRedisUrl());
    redisB = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    if (keys.length) await redisA.del(...keys);
    await Promise.all([redisA.quit(), redisB.quit()]);
  });

  describe('RedisLock', () => {
    it('is exclusive: a second instance fails while the first holds it', async () => {
      const key = newKey();
      const first = new RedisLock(redisA, key, { ttlMs: 5000 });
      const second = new RedisLock(redisB, key, { ttlMs: 5000 });

      await expect(first.acquire()).resolves.toBe(true);
      await expect(second.acquire()).resolves.toBe(false);
      await expect(second.acquire()).resolves.toBe(false);

      expect(first.held).toBe(true);
      expect(second.held).toBe(false);
      expect(first.token).toEqual(expect.any(String));
      await expect(redisB.get(key)).resolves.toBe(first.token);
      const pttl = await redisB.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(5000);
    });

    it('uses a different random token for each acquisition', async () => {
      const key = newKey();
      const lock = new RedisLock(redisA, key, { ttlMs: 5000 });
      await lock.acquire();
      const firstToken = lock.token;
      await lock.release();
      await lock.acquire();
      expect(lock.token).toEqual(expect.any(String));
      expect(lock.token).not.toBe(firstToken);
      await lock.release();
    });

    it('expires: once the TTL passes without renewal another instance acquires it, and the first can no longer renew', async () => {
      const key = newKey();
      const first = new RedisLock(redisA, key, { ttlMs: 200 });
      const second = new RedisLock(redisB, key, { ttlMs: 5000 });

      await expect(first.acquire()).resolves.toBe(true);
      await expect(second.acquire()).resolves.toBe(false);
      await waitFor('the second instance to acquire after expiry', () => second.acquire());

      expect(second.held).toBe(true);
      await expect(redisA.get(key)).resolves.toBe(second.token);
      await expect(first.renew()).resolves.toBe(false);
      expect(first.held).toBe(false);
      await expect(redisA.get(key)).resolves.toBe(second.token);
    });

    it('renews: the holder extends the TTL, keeping it past several TTLs', async () => {
      const key = newKey();
      // A renewal every 100 ms against a TTL of 1.5 s: only a stall of over 1.4 s could let it lapse.
      const holder = new RedisLock(redisA, key, { ttlMs: 1500 });
      const contender = new RedisLock(redisB, key, { ttlMs: 1500 });
      await expect(holder.acquire()).resolves.toBe(true);

      const lapsed = new Promise<void>((resolve) => setTimeout(resolve, 3200)); // past two TTLs
      let renewals = 0;
      while (!(await Promise.race([lapsed.then(() => true), sleep(100).then(() => false)]))) {
        // The expiry instant (not the time left, which shrinks while we look) moves on with each renewal.
        const expiresAt = async () => Number(await redisB.call('PEXPIRETIME', key));
        const before = await expiresAt();
        await expect(holder.renew()).resolves.toBe(true);
        expect(await expiresAt()).toBeGreaterThanOrEqual(before);
        await expect(contender.acquire()).resolves.toBe(false);
        renewals++;
      }
      expect(renewals).toBeGreaterThan(2);
      expect(await redisB.pttl(key)).toBeGreaterThan(0);
      await expect(redisB.get(key)).resolves.toBe(holder.token);
      await expect(holder.release()).resolves.toBe(true);
    });

    it("ignores release by a non-holder: after expiry and takeover, the old holder cannot delete the new holder's key", async () => {
      const key = newKey();
      const first = new RedisLock(redisA, key, { ttlMs: 200 });
      const second = new RedisLock(redisB, key, { ttlMs: 5000 });

      await expect(first.acquire()).resolves.toBe(true);
      await waitFor('the second instance to take over after expiry', () => second.acquire());
      expect(first.held).toBe(true); // last known: it has not talked to Redis since

      await expect(first.release()).resolves.toBe(false);
      expect(first.held).toBe(false);
      await expect(redisA.get(key)).resolves.toBe(second.token);
      expect(second.held).toBe(true);
      await expect(second.renew()).resolves.toBe(true);
    });

    it("is freed by the holder's release, after which another instance acquires at once", async () => {
      const key = newKey();
      const first = new RedisLock(redisA, key, { ttlMs: 5000 });
      const second = new RedisLock(redisB, key, { ttlMs: 5000 });

      await expect(first.acquire()).resolves.toBe(true);
      await expect(first.release()).resolves.toBe(true);
      expect(first.held).toBe(false);
      await expect(redisA.exists(key)).resolves.toBe(0);
      await expect(first.release()).resolves.toBe(false);

      await expect(second.acquire()).resolves.toBe(true);
      await expect(redisA.get(key)).resolves.toBe(second.token);
    });

    it('does not renew or release a lock it never acquired', async () => {
      const key = newKey();
      const holder = new RedisLock(redisA, key, { ttlMs: 5000 });
      const other = new RedisLock(redisB, key, { ttlMs: 5000 });
      await holder.acquire();

      await expect(other.renew()).resolves.toBe(false);
      await expect(other.release()).resolves.toBe(false);
      await expect(redisA.get(key)).resolves.toBe(holder.token);
    });
  });

  describe('withRedisLock', () => {
    it('keeps the lock alive past several TTLs while the work runs, then releases it', async () => {
      const key = newKey();
      const contender = new RedisLock(redisB, key, { ttlMs: 1500 });
      const contenderResults: boolean[] = [];
      const pttls: number[] = [];
      let abortedDuringWork = false;

      // Renewed every 500 ms against a TTL of 1.5 s, for over two TTLs of work.
      const outcome = await withRedisLock(redisA, key, { ttlMs: 1500 }, async (signal) => {
        const until = Date.now() + 3200;
        while (Date.now() < until) {
          contenderResults.push(await contender.acquire());
          pttls.push(await redisB.pttl(key));
          await sleep(50);
        }
        abortedDuringWork = signal.aborted;
        return 'swept';
      });

      expect(outcome).toEqual({ ran: true, result: 'swept' });
      expect(contenderResults.length).toBeGreaterThan(3);
      expect(contenderResults.every((acquired) => !acquired)).toBe(true);
      expect(pttls.every((pttl) => pttl > 0)).toBe(true);
      expect(abortedDuringWork).toBe(false);
      await expect(redisA.exists(key)).resolves.toBe(0);
    });

    it('returns { ran: false } without running the work when the lock is held elsewhere', async () => {
      const key = newKey();
      const holder = new RedisLock(redisB, key, { ttlMs: 5000 });
      await holder.acquire();
      const work = jest.fn(async () => 'never');

      await expect(withRedisLock(redisA, key, { ttlMs: 5000 }, work)).resolves.toEqual({ ran: false });
      expect(work).not.toHaveBeenCalled();
      await expect(redisA.get(key)).resolves.toBe(holder.token);
    });

    it('releases the lock when the work throws, and the error propagates', async () => {
      const key = newKey();
      const failure = new Error('sweep failed');
      // A long TTL, so that the key being gone proves the release rather than expiry.
      const run = withRedisLock(redisA, key, { ttlMs: 10000, renewEveryMs: 50 }, async () => {
        await expect(redisB.exists(key)).resolves.toBe(1);
        await sleep(200); // a few renewals happen first
        throw failure;
      });

      await expect(run).rejects.toBe(failure);
      await expect(redisA.exists(key)).resolves.toBe(0);
      await expect(new RedisLock(redisB, key, { ttlMs: 5000 }).acquire()).resolves.toBe(true);
    });

    it('aborts the signal when the key is deleted behind its back', async () => {
      const key = newKey();
      let reason: unknown;

      const outcome = await withRedisLock(redisA, key, { ttlMs: 300 }, async (signal) => {
        await redisB.del(key);
        await aborted(signal);
        reason = signal.reason;
        return 'stopped early';
      });

      expect(outcome).toEqual({ ran: true, result: 'stopped early' });
      expect(reason).toBeInstanceOf(LockLostError);
      expect((reason as LockLostError).key).toBe(key);
      await expect(redisA.exists(key)).resolves.toBe(0);
    });

    it("aborts the signal when another token took the key, and leaves the new holder's key alone", async () => {
      const key = newKey();
      const intruder = `intruder-${randomUUID()}`;

      const outcome = await withRedisLock(redisA, key, { ttlMs: 300 }, async (signal) => {
        await redisB.set(key, intruder, 'PX', 10000);
        await aborted(signal);
        return signal.reason;
      });

      expect(outcome.ran).toBe(true);
      expect(outcome.ran && outcome.result).toBeInstanceOf(LockLostError);
      await expect(redisA.get(key)).resolves.toBe(intruder);
    });

    it('aborts the signal, rather than throwing, when Redis fails during renewal', async () => {
      const key = newKey();
      const client = new Redis(testRedisUrl());
      client.on('error', () => undefined);
      let reason: unknown;
      try {
        const outcome = await withRedisLock(client, key, { ttlMs: 300 }, async (signal) => {
          client.disconnect(); // no reconnect: the next renewal (and the final release) fail
          await aborted(signal);
          reason = signal.reason;
          return 'done';
        });
        expect(outcome).toEqual({ ran: true, result: 'done' });
      } finally {
        // A second disconnect() of an ended client would leave ioredis's 2 s socket-destroy timer running.
        if (client.status !== 'end') client.disconnect();
      }
      expect(reason).toBeInstanceOf(LockLostError);
      expect((reason as LockLostError).cause).toBeInstanceOf(Error);
      // The release could not run, so the key lapses by itself.
      await waitFor('the unreleased key to expire', async () => (await redisB.exists(key)) === 0);
    });
  });
});
