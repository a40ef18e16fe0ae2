import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { DomainError } from '@helpdesk/domain';
import { REDIS } from '@helpdesk/queue';
import { ApiMetrics } from '../metrics/api-metrics';
import { RequestWithPrincipal, SKIP_RATE_LIMIT } from './decorators';

// One round trip: count the request in the current window and read the window's remaining time.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

/**
 * Fixed-window rate limiting in Redis, per API key, per user, or per client address on public
 * routes. Every answer carries RateLimit-* headers; past the limit the answer is 429 with
 * Retry-After. Runs after authentication, so the limit follows the credential, not the address.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ApiMetrics,
  ) {
    this.redis.defineCommand('helpdeskRateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const principal = request.principal;
    const bucket = principal ? `${principal.kind}:${principal.id}` : `ip:${request.ip}`;
    const limit = principal?.rateLimit ?? this.config.rateLimit.defaultLimit;
    const windowMs = this.config.rateLimit.windowSeconds * 1000;

    const key = `${this.config.redisPrefix}:ratelimit:${bucket}`;
    const [count, ttlMs] = await (
      this.redis as Redis & { helpdeskRateLimitHit(key: string, windowMs: number): Promise<[number, number]> }
    ).helpdeskRateLimitHit(key, windowMs);
    const resetSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    void reply.header('RateLimit-Limit', String(limit));
    void reply.header('RateLimit-Remaining', String(Math.max(0, limit - count)));
    void reply.header('RateLimit-Reset', String(resetSeconds));
    if (count > limit) {
      void reply.header('Retry-After', String(resetSeconds));
      this.metrics.rateLimited.inc({ credential: principal?.kind ?? 'anonymous' });
      throw new DomainError(
        'rate_limited',
        `Rate limit of ${limit} requests per ${this.config.rateLimit.windowSeconds} s exceeded; retry in ${resetSeconds} s.`,
        { limit, reset_seconds: resetSeconds },
      );
    }
    return true;
  }
}
