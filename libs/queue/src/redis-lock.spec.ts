import { LockLostError, resolveLockOptions } from './redis-lock';

describe('resolveLockOptions', () => {
  it('renews every third of the TTL by default', () => {
    expect(resolveLockOptions({ ttlMs: 30000 })).toEqual({ ttlMs: 30000, renewEveryMs: 10000 });
    expect(resolveLockOptions({ ttlMs: 300 })).toEqual({ ttlMs: 300, renewEveryMs: 100 });
  });

  it('never defaults to a zero period, even for tiny TTLs', () => {
    expect(resolveLockOptions({ ttlMs: 2 })).toEqual({ ttlMs: 2, renewEveryMs: 1 });
  });

  it('keeps an explicit renewal period below the TTL', () => {
    expect(resolveLockOptions({ ttlMs: 1000, renewEveryMs: 250 })).toEqual({ ttlMs: 1000, renewEveryMs: 250 });
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects ttlMs %p', (ttlMs) => {
    expect(() => resolveLockOptions({ ttlMs })).toThrow(RangeError);
  });

  it.each([0, -5, 1000, 1500, Number.NaN])('rejects renewEveryMs %p for a 1000 ms TTL', (renewEveryMs) => {
    expect(() => resolveLockOptions({ ttlMs: 1000, renewEveryMs })).toThrow(RangeError);
  });

  it('rejects a 1 ms TTL, which leaves no room to renew', () => {
    expect(() => resolveLockOptions({ ttlMs: 1 })).toThrow(RangeError);
  });
});

describe('LockLostError', () => {
  it('names the key and keeps the cause', () => {
    const cause = new Error('connection closed');
    const error = new LockLostError('sla-sweep', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('LockLostError');
    expect(error.message).toContain('sla-sweep');
    expect(error.key).toBe('sla-sweep');
    expect(error.cause).toBe(cause);
  });
});
