import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { REDIS } from '@helpdesk/queue';

/**
 * Counts a login attempt, in one atomic call, unless a lockout holds. KEYS: the failure counters
 * of (1) the account from this address, (2) the account from all addresses, (3) the address;
 * then (4-6) their lockouts. ARGV: the three thresholds, the base and cap of the lockout and the
 * window, in milliseconds.
 *
 * Every attempt counts as a failure until it succeeds (`SUCCEED_SCRIPT` takes it back), so that
 * a burst of concurrent guesses cannot all pass the check before the first failure is recorded.
 * From the threshold on, each failure locks its subject for base·2^(count − threshold), at most
 * the cap (a lockout key holds its full length in milliseconds); a counter expires `window`
 * after its lockout ends. One address adds at most the account-from-one-address threshold of
 * failures to the account's all-address counter, so that one client alone cannot lock the
 * account for everyone.
 *
 * Returns {0, milliseconds left} while a lockout holds (nothing counted), {1, 0} otherwise.
 */
const ATTEMPT_SCRIPT = `
local wait = 0
for i = 4, 6 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > wait then wait = ttl end
end
if wait > 0 then return {0, wait} end
local base, cap, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local function fail(countKey, lockKey, threshold)
  local count = redis.call('INCR', countKey)
  local lock = 0
  if count >= threshold then
    lock = math.min(base * 2 ^ math.min(count - threshold, 40), cap)
    redis.call('SET', lockKey, lock, 'PX', lock)
  end
  redis.call('PEXPIRE', countKey, lock + window)
  return count
end
local accountAddressThreshold = tonumber(ARGV[1])
if fail(KEYS[1], KEYS[4], accountAddressThreshold) <= accountAddressThreshold then
  fail(KEYS[2], KEYS[5], tonumber(ARGV[2]))
end
fail(KEYS[3], KEYS[6], tonumber(ARGV[3]))
return {1, 0}
`;

/**
 * A successful login: the account's counters and lockouts go (from this address and from all),
 * and the address gets back the failure its attempt was counted as; a lockout that this attempt
 * set on the address goes with it. ARGV[1]: the address threshold.
 */
const SUCCEED_SCRIPT = `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4], KEYS[5])
local count = redis.call('DECR', KEYS[3])
if count <= 0 then
  redis.call('DEL', KEYS[3], KEYS[6])
elseif count < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[6])
end
return count
`;

type LoginBackoffRedis = Redis & {
  helpdeskLoginAttempt(...args: Array<string | number>): Promise<[number, number]>;
  helpdeskLoginSucceeded(...args: Array<string | number>): Promise<number>;
};

export type LoginAttempt = { allowed: true; keys: string[] } | { allowed: false; retryAfterSeconds: number };

/**
 * Exponential back-off on failed logins, in Redis under REDIS_PREFIX: per account (the
 * lower-cased email, whichever tenant it names) from one client address, per account from all
 * addresses, and per client address. While one of them is locked out, the login is refused
 * before the password is looked at. See docs/adr/0004.
 */
@Injectable()
export class LoginBackoff {
  private readonly redis: LoginBackoffRedis;
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    redis.defineCommand('helpdeskLoginAttempt', { numberOfKeys: 6, lua: ATTEMPT_SCRIPT });
    redis.defineCommand('helpdeskLoginSucceeded', { numberOfKeys: 6, lua: SUCCEED_SCRIPT });
    this.redis = redis as LoginBackoffRedis;
    this.prefix = `${config.redisPrefix}:login-backoff`;
  }

  async attempt(email: string, clientAddress: string): Promise<LoginAttempt> {
    const keys = this.keys(email, clientAddress);
    const { accountAddressFailures, accountFailures, addressFailures, baseSeconds, maxSeconds, windowSeconds } = this.config.loginBackoff;
    const [allowed, waitMs] = await this.redis.helpdeskLoginAttempt(
      ...keys,
      accountAddressFailures,
      accountFailures,
      addressFailures,
      baseSeconds * 1000,
      maxSeconds * 1000,
      windowSeconds * 1000,
    );
    return allowed === 1 ? { allowed: true, keys } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  async succeeded(attempt: LoginAttempt & { allowed: true }): Promise<void> {
    await this.redis.helpdeskLoginSucceeded(...attempt.keys, this.config.loginBackoff.addressFailures);
  }

  private keys(email: string, clientAddress: string): string[] {
    // The account by a keyed hash of the address: no email addresses in Redis.
    const account = createHmac('sha256', this.config.jwtSecret).update(`login-backoff:${email.trim().toLowerCase()}`).digest('base64url');
    const address = addressBucket(clientAddress);
    const subjects = [`account-address:${account}:${address}`, `account:${account}`, `address:${address}`];
    return [...subjects.map((subject) => `${this.prefix}:failures:${subject}`), ...subjects.map((subject) => `${this.prefix}:lockout:${subject}`)];
  }
}

/**
 * The client address a back-off counts against: an IPv4 address as it is (also when written as
 * an IPv4-mapped IPv6 address), an IPv6 address by its /64 prefix, which is what one subscriber
 * usually holds, so that rotating through it does not escape the count.
 */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lower-case hexadecimal without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address.split('%')[0]!.toLowerCase();
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const middle = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group, 16).toString(16));
}
