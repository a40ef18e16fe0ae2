import { IsISO8601, IsUUID } from 'class-validator';
import { defineQueue } from './jobs/queue-definition';

/** Re-evaluate one ticket at the instant its next SLA event falls due. */
export class SlaCheckTicketPayload {
  @IsUUID() tenant_id!: string;
  @IsUUID() ticket_id!: string;
  /** The instant the check was scheduled for (informative: the check acts on what holds when it runs). */
  @IsISO8601({ strict: true }) due_at!: string;
}

/** The periodic safety net: every ticket whose check is overdue. No data. */
export class SlaSweepPayload {}

/**
 * The SLA queue. A check is removed once done (a new instant is a new job id) and retried on a busy
 * ticket; the sweep is not retried, its scheduler runs it again within one period.
 */
export const SLA_QUEUE = defineQueue({
  name: 'sla',
  options: { removeOnComplete: true, removeOnFail: 1000 },
  jobs: {
    'check-ticket': { payload: SlaCheckTicketPayload },
    sweep: { payload: SlaSweepPayload, options: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
  },
});

/** The SLA queue's job names, as constants. */
export const SLA_JOBS = {
  checkTicket: 'check-ticket',
  sweep: 'sweep',
} as const satisfies Record<string, keyof (typeof SLA_QUEUE)['jobs']>;

export const SLA_SWEEP_SCHEDULER_ID = 'sla-sweep';

/**
 * One delayed check per ticket and instant. The instant is part of the id because a check that is
 * running cannot be replaced: when it schedules the ticket's next instant, that must be a new job.
 */
export function slaCheckJobId(ticketId: string, at: Date): string {
  return `sla-check-${ticketId}-${at.getTime()}`;
}
