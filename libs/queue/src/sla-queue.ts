import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES } from './queues';

/** The SLA queue's contract: its job names and their payloads. */
export const SLA_JOBS = {
  /** Re-evaluate one ticket at the instant its next SLA event falls due. */
  checkTicket: 'check-ticket',
  /** The periodic safety net: every ticket whose check is overdue. */
  sweep: 'sweep',
} as const;
export type SlaJobName = (typeof SLA_JOBS)[keyof typeof SLA_JOBS];

export interface SlaJobPayloads {
  'check-ticket': { tenant_id: string; ticket_id: string; due_at: string };
  sweep: Record<string, never>;
}

export const SLA_SWEEP_SCHEDULER_ID = 'sla-sweep';

/**
 * One delayed check per ticket and instant. The instant is part of the id because a check that is
 * running cannot be replaced: when it schedules the ticket's next instant, that must be a new job.
 */
export function slaCheckJobId(ticketId: string, at: Date): string {
  return `sla-check-${ticketId}-${at.getTime()}`;
}

/**
 * Puts a ticket's next SLA check on the queue as a delayed job. Losing one (Redis down, a crash
 * between commit and enqueue) only delays the action until the next sweep, so failures are
 * logged, not thrown: the change that asked for the schedule has already been committed.
 */
@Injectable()
export class SlaScheduler {
  private readonly logger = new Logger(SlaScheduler.name);

  constructor(@InjectQueue(QUEUES.sla) private readonly queue: Queue) {}

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
      if (previous && previous.getTime() > Date.now()) await this.queue.remove(slaCheckJobId(ticketId, previous));
      if (!at) return;
      const jobId = slaCheckJobId(ticketId, at);
      const payload: SlaJobPayloads['check-ticket'] = { tenant_id: tenantId, ticket_id: ticketId, due_at: at.toISOString() };
      await this.queue.add(SLA_JOBS.checkTicket, payload, {
        jobId,
        delay: Math.max(0, at.getTime() - Date.now()),
        removeOnComplete: true,
        removeOnFail: 1000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      });
    } catch (error) {
      this.logger.warn(`could not schedule the SLA check of ticket ${ticketId} (the sweep will catch it): ${(error as Error).message}`);
    }
  }
}
