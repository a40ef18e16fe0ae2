import { Injectable } from '@nestjs/common';
import {
  Page,
  SlaEventRow,
  SlaEventsRepository,
  SlaPoliciesRepository,
  TicketEscalationRow,
  TicketEscalationsRepository,
  TicketsRepository,
  EscalationFilter,
} from '@helpdesk/database';
import { businessMinutesBetween, currentSlaState, slaMilestones, SlaState, SlaTargetMilestones } from '@helpdesk/domain';
import { Actor, assertAllowed } from '../access/actor';
import { assertTicketReadable, canOnTicket, ticketReadConditionFor } from '../tickets/ticket-access';
import { clockOf, nextReplyOf, termsOf } from '../tickets/ticket-sla';

export interface SlaTargetView {
  target: 'first_response' | 'resolution' | 'next_reply';
  due_at: string;
  near_breach_at: string;
  met_at: string | null;
  /** Business minutes left (negative: overdue); null once met. */
  remaining_minutes: number | null;
  status: 'met' | 'met_late' | 'pending' | 'breached' | 'paused';
}

export interface TicketSlaView {
  ticket_id: string;
  sla_state: SlaState;
  policy: { id: string; priority: string; version: number; escalation_chain: string[] } | null;
  escalation_level: number;
  owner_role: string | null;
  paused_since: string | null;
  targets: SlaTargetView[];
  events: SlaEventRow[];
  escalations: TicketEscalationRow[];
}

/** The ticket fields behind a ticket's SLA view and its escalations. */
const SLA_FIELDS = ['sla_state', 'owner_role', 'escalation_level', 'first_response_due_at', 'resolution_due_at', 'sla_policy_id'];

/** What the api shows of SLAs: a ticket's clock and log, and recent escalations. */
@Injectable()
export class SlaViewService {
  constructor(
    private readonly tickets: TicketsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly slaEvents: SlaEventsRepository,
    private readonly escalations: TicketEscalationsRepository,
  ) {}

  async ticketSla(actor: Actor, ticketId: string, now = new Date()): Promise<TicketSlaView> {
    const ticket = assertTicketReadable(actor, await this.tickets.findById(actor.tenantId, ticketId));
    // The SLA view is made of fields a ticket read may hide (a requester's does): all of them or nothing.
    assertAllowed(
      SLA_FIELDS.every((field) => canOnTicket(actor.ability, 'read', ticket, field)),
      "read this ticket's SLA",
    );
    const policy = ticket.sla_policy_id ? await this.policies.findById(actor.tenantId, ticket.sla_policy_id) : null;
    const [events, escalations] = await Promise.all([this.slaEvents.forTicket(actor.tenantId, ticketId), this.escalations.forTicket(actor.tenantId, ticketId)]);
    const targets: SlaTargetView[] = [];
    let state = ticket.sla_state;
    if (policy) {
      const terms = termsOf(policy);
      const clock = clockOf(ticket);
      const milestones = slaMilestones(terms, clock);
      state = currentSlaState(ticket.sla_state, ticket.status, terms, clock, now);
      const reference = clock.paused_at ?? now;
      const windows = [
        ['first_response', milestones.first_response, ticket.first_responded_at ?? ticket.resolved_at],
        ['resolution', milestones.resolution, ticket.resolved_at],
      ] as Array<[SlaTargetView['target'], SlaTargetMilestones, Date | null]>;
      const nextReply = nextReplyOf(policy, ticket);
      if (nextReply) windows.push(['next_reply', nextReply, null]);
      for (const [target, { due_at, near_breach_at }, metAt] of windows) {
        const overdueOrLeft =
          reference <= due_at
            ? businessMinutesBetween(reference, due_at, terms.business_hours)
            : -businessMinutesBetween(due_at, reference, terms.business_hours);
        targets.push({
          target,
          due_at: due_at.toISOString(),
          near_breach_at: near_breach_at.toISOString(),
          met_at: metAt?.toISOString() ?? null,
          remaining_minutes: metAt ? null : Math.round(overdueOrLeft * 100) / 100,
          status: metAt ? (metAt > due_at ? 'met_late' : 'met') : reference > due_at ? 'breached' : clock.paused_at ? 'paused' : 'pending',
        });
      }
    }
    return {
      ticket_id: ticket.id,
      sla_state: state,
      policy: policy ? { id: policy.id, priority: policy.priority, version: policy.version, escalation_chain: policy.escalation_chain } : null,
      escalation_level: ticket.escalation_level,
      owner_role: ticket.owner_role,
      paused_since: ticket.sla_paused_at?.toISOString() ?? null,
      targets,
      events,
      escalations,
    };
  }

  async recentEscalations(actor: Actor, filter: EscalationFilter, limit: number, cursor?: string): Promise<Page<TicketEscalationRow>> {
    assertAllowed(
      SLA_FIELDS.every((field) => actor.ability.can('read', 'Ticket', field)),
      'read escalations',
    );
    return this.escalations.list(actor.tenantId, filter, ticketReadConditionFor(actor.ability, SLA_FIELDS), limit, cursor);
  }
}
