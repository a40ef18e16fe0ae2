import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS } from '@helpdesk/queue';

/** Readiness of a process: can it reach PostgreSQL and Redis? Both apps expose it at /health/ready. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The Terminus report, and whether every dependency is up. */
  async check(): Promise<{ ready: boolean; report: unknown }> {
    try {
      const report = await this.health.check([() => this.database.pingCheck('postgres', { timeout: 2000 }), () => this.redisCheck()]);
      return { ready: true, report };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return { ready: false, report: error.getResponse() };
      throw error;
    }
  }

  private async redisCheck() {
    const indicator = this.indicators.check('redis');
    let timer: NodeJS.Timeout | undefined;
    try {
      const started = Date.now();
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout after 2000 ms')), 2000);
      });
      await Promise.race([this.redis.ping(), timeout]);
      return indicator.up({ latency_ms: Date.now() - started });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}
