import { Injectable, Logger } from '@nestjs/common';
import { InjectJobProducer, JobProducer } from './jobs/job-producer';
import { SLA_JOBS, slaCheckJobId } from './sla-queue';

/**
 * Puts a ticket's next SLA check on the queue as a delayed job. Losing one (Redis down, a crash
 * between commit and enqueue) only delays the action until the next sweep, so failures are
 * logged, not thrown: the change that asked for the schedule has already been committed.
 */
@Injectable()
export class SlaScheduler {
  private readonly logger = new Logger(SlaScheduler.name);

  constructor(@InjectJobProducer('sla') private readonly jobs: JobProducer<'sla'>) {}

  /**
   * Replaces the ticket's check at `previous` (if still waiting) by one at `at` (none if null).
   * A check at an instant already past is left alone: it may not have run yet (no worker up, or
   * a queue behind), and the change that asks for the new schedule has moved the ticket's
   * next_sla_check_at past it, out of the sweep's reach. Running it late is harmless: the check
   * only acts on what holds when it runs.
   */
  async schedule(tenantId: string, ticketId: string, at: Date | null, previous: Date | null): Promise<void> {
    if (at?.getTime() === previous?.getTime()) return;
    try {
      // A check already running cannot be removed; it finds nothing left to do, which is harmless.
      if (previous && previous.getTime() > Date.now()) await this.jobs.remove(slaCheckJobId(ticketId, previous));
      if (!at) return;
      await this.jobs.add(
        SLA_JOBS.checkTicket,
        { tenant_id: tenantId, ticket_id: ticketId, due_at: at.toISOString() },
        { jobId: slaCheckJobId(ticketId, at), delay: Math.max(0, at.getTime() - Date.now()) },
      );
    } catch (error) {
      this.logger.warn(`could not schedule the SLA check of ticket ${ticketId} (the sweep will catch it): ${(error as Error).message}`);
    }
  }
}
