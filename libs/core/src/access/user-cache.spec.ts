import type { UserEntity, UsersRepository } from '@helpdesk/database';
import { UserCache } from './user-cache';

describe('UserCache', () => {
  const user = { id: 'u1', tenant_id: 't1', active: true } as UserEntity;
  let reads: number;
  let now: number;
  let cache: UserCache;

  beforeEach(() => {
    reads = 0;
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const repository = { findById: async () => ((reads += 1), user) } as unknown as UsersRepository;
    cache = new UserCache(repository);
  });
  afterEach(() => jest.restoreAllMocks());

  it('reads a user once within two seconds, and again after', async () => {
    await cache.get('t1', 'u1');
    now += 1_999;
    expect(await cache.get('t1', 'u1')).toBe(user);
    expect(reads).toBe(1);
    now += 1;
    await cache.get('t1', 'u1');
    expect(reads).toBe(2);
  });

  it('reads again at once after an eviction or a clear', async () => {
    await cache.get('t1', 'u1');
    cache.evict('t1', 'u1');
    await cache.get('t1', 'u1');
    cache.clear();
    await cache.get('t1', 'u1');
    expect(reads).toBe(3);
  });

  it('keeps tenants apart', async () => {
    await cache.get('t1', 'u1');
    await cache.get('t2', 'u1');
    expect(reads).toBe(2);
  });
});
