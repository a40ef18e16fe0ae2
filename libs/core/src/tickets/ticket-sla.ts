import type { SlaScheduler } from '@helpdesk/queue';
import type { SlaPolicyEntity, TicketChanges, TicketRow } from '@helpdesk/database';
import {
  BusinessHoursCalendar,
  deriveSlaState,
  isOpenStatus,
  nextReplyEventAt,
  nextReplyMilestones,
  nextSlaEventAt,
  SlaClock,
  slaMilestones,
  SlaTargetMilestones,
  SlaTerms,
} from '@helpdesk/domain';

export function termsOf(policy: SlaPolicyEntity): SlaTerms {
  return {
    first_response_minutes: policy.first_response_minutes,
    resolution_minutes: policy.resolution_minutes,
    near_breach_ratio: policy.near_breach_ratio,
    near_breach_minutes: policy.near_breach_minutes,
    business_hours: policy.business_hours as BusinessHoursCalendar | null,
    pause_statuses: policy.pause_statuses,
  };
}

export function clockOf(ticket: Pick<TicketRow, 'created_at' | 'sla_paused_at' | 'sla_paused_seconds' | 'first_responded_at' | 'resolved_at'>): SlaClock {
  return {
    started_at: ticket.created_at,
    paused_at: ticket.sla_paused_at,
    paused_minutes: ticket.sla_paused_seconds / 60,
    first_responded_at: ticket.first_responded_at,
    resolved_at: ticket.resolved_at,
  };
}

/** The pending next-reply window of a ticket under its policy, if a requester is waiting. */
export function nextReplyOf(policy: SlaPolicyEntity, ticket: Pick<TicketRow, 'next_reply_started_at'>): SlaTargetMilestones | null {
  if (!policy.next_reply_minutes || !ticket.next_reply_started_at) return null;
  return nextReplyMilestones(termsOf(policy), policy.next_reply_minutes, ticket.next_reply_started_at);
}

/**
 * The SLA columns of a ticket whose clock or terms just changed. `pendingCheck` is the ticket's
 * current next check: one already due but not yet done (a worker down or behind) stays due, since
 * what it has to record (a breach that happened) may still hold. `nextReply` is a pending
 * next-reply window, whose instants count too.
 */
export function slaColumns(
  terms: SlaTerms,
  clock: SlaClock,
  status: TicketRow['status'],
  now: Date,
  options: { pendingCheck?: Date | null; nextReply?: SlaTargetMilestones | null } = {},
): TicketChanges {
  const pendingCheck = options.pendingCheck ?? null;
  const milestones = slaMilestones(terms, clock);
  const state = deriveSlaState(terms, clock, now);
  return {
    first_response_due_at: milestones.first_response.due_at,
    first_response_warn_at: milestones.first_response.near_breach_at,
    resolution_due_at: milestones.resolution.due_at,
    resolution_warn_at: milestones.resolution.near_breach_at,
    sla_state: state,
    sla_paused_at: clock.paused_at,
    sla_paused_seconds: Math.round(clock.paused_minutes * 60 * 1000) / 1000,
    next_sla_check_at: !isOpenStatus(status)
      ? null
      : pendingCheck && pendingCheck <= now
        ? pendingCheck
        : earliest(nextSlaEventAt(terms, clock, now), clock.paused_at ? null : nextReplyEventAt(options.nextReply ?? null, now)),
  };
}

export function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

/** After commit: the worker's timer for the ticket's next SLA event (the sweep backs it up). */
export async function scheduleSlaCheck(scheduler: SlaScheduler, after: TicketRow | null, before?: TicketRow | null): Promise<void> {
  if (after) await scheduler.schedule(after.tenant_id, after.id, after.next_sla_check_at, before?.next_sla_check_at ?? null);
}
