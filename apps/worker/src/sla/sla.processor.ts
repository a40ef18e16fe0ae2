import { Inject } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { SlaMonitorService, SlaSweepService, SweepReport } from '@helpdesk/core';
import {
  ConsumesQueue,
  InjectJobProducer,
  JobHandlers,
  JobProcessor,
  JobProducer,
  REDIS,
  SLA_JOBS,
  SLA_SWEEP_SCHEDULER_ID,
  TransientJobError,
  withRedisLock,
} from '@helpdesk/queue';

/**
 * The SLA queue: a delayed check per ticket at its next SLA instant, and a periodic sweep (a
 * BullMQ job scheduler) as the safety net. Both end in the same idempotent use case.
 */
@ConsumesQueue('sla')
export class SlaProcessor extends JobProcessor<'sla'> {
  protected override readonly handlers: JobHandlers<'sla'> = {
    [SLA_JOBS.checkTicket]: async (payload) => {
      const result = await this.monitor.checkTicket(payload.tenant_id, payload.ticket_id, 'timer');
      // Held by a concurrent change: fail this attempt so that BullMQ retries it (the job's
      // attempts and backoff), instead of leaving the instant to the next sweep.
      if (result.outcome === 'busy') throw new TransientJobError(`ticket ${payload.ticket_id} is busy; its SLA check will be retried`);
      return result;
    },
    [SLA_JOBS.sweep]: () => this.sweepUnderLock(),
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectJobProducer('sla') private readonly jobs: JobProducer<'sla'>,
    private readonly monitor: SlaMonitorService,
    private readonly sweeper: SlaSweepService,
  ) {
    super();
  }

  protected override async beforeRun(): Promise<void> {
    this.worker.concurrency = this.config.worker.concurrency;
    await this.jobs.schedule(SLA_SWEEP_SCHEDULER_ID, { every: this.config.worker.slaSweepIntervalSeconds * 1000 }, SLA_JOBS.sweep, {});
  }

  /** One sweep at a time across all workers; the lock only saves work, correctness is in SQL. */
  private async sweepUnderLock(): Promise<SweepReport | { skipped: true }> {
    const lockKey = `${this.config.redisPrefix}:lock:sla-sweep`;
    const run = await withRedisLock(this.redis, lockKey, { ttlMs: 30_000 }, (signal) =>
      this.sweeper.sweep({ batchSize: this.config.worker.slaSweepBatchSize, concurrency: this.config.worker.concurrency, signal }),
    );
    if (!run.ran) return { skipped: true };
    const { examined, escalations, failed, duration_ms } = run.result;
    if (examined > 0 || failed > 0) {
      this.logger.log(`SLA sweep: ${examined} ticket(s) examined, ${escalations} escalation(s), ${failed} failed check(s) in ${duration_ms} ms`);
    }
    return run.result;
  }
}
