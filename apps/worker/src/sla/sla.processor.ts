import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { SlaMonitorService, SlaSweepService, SweepReport } from '@helpdesk/core';
import { QUEUES, REDIS, SLA_JOBS, SLA_SWEEP_SCHEDULER_ID, SlaJobName, SlaJobPayloads, withRedisLock } from '@helpdesk/queue';

type Handlers = { [Name in SlaJobName]: (job: Job<SlaJobPayloads[Name]>) => Promise<unknown> };

/**
 * The SLA queue: a delayed check per ticket at its next SLA instant, and a periodic sweep (a
 * BullMQ job scheduler) as the safety net. Both end in the same idempotent use case.
 */
@Processor(QUEUES.sla)
export class SlaProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SlaProcessor.name);

  private readonly handlers: Handlers = {
    [SLA_JOBS.checkTicket]: async (job: Job<SlaJobPayloads['check-ticket']>) => {
      const result = await this.monitor.checkTicket(job.data.tenant_id, job.data.ticket_id, 'timer');
      // Held by a concurrent change: fail this attempt so that BullMQ retries it (the job's
      // attempts and backoff), instead of leaving the instant to the next sweep.
      if (result.outcome === 'busy') throw new Error(`ticket ${job.data.ticket_id} is busy; its SLA check will be retried`);
      return result;
    },
    [SLA_JOBS.sweep]: () => this.sweepUnderLock(),
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectQueue(QUEUES.sla) private readonly queue: Queue,
    private readonly monitor: SlaMonitorService,
    private readonly sweeper: SlaSweepService,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const missing = Object.values(SLA_JOBS).filter((name) => typeof this.handlers[name] !== 'function');
    if (missing.length) throw new Error(`The SLA queue has jobs without a handler: ${missing.join(', ')}`);
    this.worker.concurrency = this.config.worker.concurrency;
    await this.queue.upsertJobScheduler(
      SLA_SWEEP_SCHEDULER_ID,
      { every: this.config.worker.slaSweepIntervalSeconds * 1000 },
      { name: SLA_JOBS.sweep, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as SlaJobName] as ((job: Job) => Promise<unknown>) | undefined;
    if (!handler) throw new Error(`No handler for SLA job "${job.name}"`);
    return handler(job);
  }

  /** A failed attempt is retried with backoff; each failure is logged so it is never silent. */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    const attempts = job ? `${job.attemptsMade}/${job.opts.attempts ?? 1}` : '?';
    this.logger.error(`SLA job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${attempts}): ${error.message}`);
  }

  /** One sweep at a time across all workers; the lock only saves work, correctness is in SQL. */
  private async sweepUnderLock(): Promise<SweepReport | { skipped: true }> {
    const lockKey = `${this.config.redisPrefix}:lock:sla-sweep`;
    const run = await withRedisLock(this.redis, lockKey, { ttlMs: 30_000 }, (signal) =>
      this.sweeper.sweep({ batchSize: this.config.worker.slaSweepBatchSize, concurrency: this.config.worker.concurrency, signal }),
    );
    if (!run.ran) return { skipped: true };
    if (run.result.examined > 0) this.logger.log(`SLA sweep: ${run.result.examined} ticket(s) examined, ${run.result.escalations} escalation(s) in ${run.result.duration_ms} ms`);
    return run.result;
  }
}
