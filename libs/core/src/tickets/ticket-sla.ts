import type { SlaPolicyEntity, TicketChanges, TicketRow } from '@helpdesk/database';
import { BusinessHoursCalendar, deriveSlaState, isOpenStatus, nextSlaEventAt, SlaClock, slaMilestones, SlaTerms } from '@helpdesk/domain';

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

/**
 * The SLA columns of a ticket whose clock or terms just changed. `pendingCheck` is the ticket's
 * current next check: one already due but not yet done (a worker down or behind) stays due, since
 * what it has to record (a breach that happened) may still hold.
 */
export function slaColumns(terms: SlaTerms, clock: SlaClock, status: TicketRow['status'], now: Date, pendingCheck: Date | null = null): TicketChanges {
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
    next_sla_check_at: !isOpenStatus(status) ? null : pendingCheck && pendingCheck <= now ? pendingCheck : nextSlaEventAt(terms, clock, now),
  };
}
