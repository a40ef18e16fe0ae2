import type { SessionUser, UserEntity, UsersRepository } from '@helpdesk/database';
import { UserCache } from './user-cache';

describe('UserCache', () => {
  const user = { id: 'u1', tenant_id: 't1', active: true } as UserEntity;
  let reads: string[];
  let now: number;
  let cache: UserCache;

  beforeEach(() => {
    reads = [];
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const repository = {
      findForSession: async (tenantId: string, id: string, sessionId: string): Promise<SessionUser> => {
        reads.push(`${tenantId}:${id}:${sessionId}`);
        return { user, tokenVersion: 0, sessionLive: true };
      },
    } as unknown as UsersRepository;
    cache = new UserCache(repository);
  });
  afterEach(() => jest.restoreAllMocks());

  it('reads a user’s session once within two seconds, and again after', async () => {
    await cache.get('t1', 'u1', 's1');
    now += 1_999;
    expect(await cache.get('t1', 'u1', 's1')).toEqual({ user, tokenVersion: 0, sessionLive: true });
    expect(reads).toHaveLength(1);
    now += 1;
    await cache.get('t1', 'u1', 's1');
    expect(reads).toHaveLength(2);
  });

  it('reads again at once after an eviction or a clear', async () => {
    await cache.get('t1', 'u1', 's1');
    cache.evict('t1', 'u1');
    await cache.get('t1', 'u1', 's1');
    cache.clear();
    await cache.get('t1', 'u1', 's1');
    expect(reads).toHaveLength(3);
  });

  it('keeps tenants and sessions apart', async () => {
    await cache.get('t1', 'u1', 's1');
    await cache.get('t2', 'u1', 's1');
    await cache.get('t1', 'u1', 's2');
    await cache.get('t1', 'u1', 's1');
    expect(reads).toEqual(['t1:u1:s1', 't2:u1:s1', 't1:u1:s2']);
  });

  it('evicts every session of the user, and only that user', async () => {
    await cache.get('t1', 'u1', 's1');
    await cache.get('t1', 'u1', 's2');
    await cache.get('t1', 'u2', 's3');
    cache.evict('t1', 'u1');
    await cache.get('t1', 'u1', 's1');
    await cache.get('t1', 'u1', 's2');
    await cache.get('t1', 'u2', 's3');
    expect(reads).toEqual(['t1:u1:s1', 't1:u1:s2', 't1:u2:s3', 't1:u1:s1', 't1:u1:s2']);
  });
});
