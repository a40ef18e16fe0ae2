import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  commitWithoutWaitingForFlush,
  SlaEventsRepository,
  SlaPoliciesRepository,
  SlaPolicyEntity,
  TicketEscalationsRepository,
  TicketRow,
  TicketsRepository,
} from '@helpdesk/database';
import {
  DomainEvent,
  deriveSlaState,
  isOpenStatus,
  nextReplyEventAt,
  nextSlaEventAt,
  SlaMilestones,
  slaMilestones,
  SlaTargetMilestones,
} from '@helpdesk/domain';
import { SlaScheduler } from '@helpdesk/queue';
import { originOf, systemActor } from '../access/actor';
import { clockOf, earliest, nextReplyOf, termsOf } from '../tickets/ticket-sla';
import { TicketRecorder } from '../tickets/ticket-recorder';
import { EscalationService } from './escalation.service';
import { SlaMetrics } from './sla-metrics';

export interface SlaCheckResult {
  /**
   * 'busy': another transaction holds the ticket (a change, or another check), so nothing was
   * checked: a delayed check tries again shortly (the change may not reschedule it, and may even
   * move next_sla_check_at past a breach not acted on yet). 'skipped': the ticket is gone.
   */
  outcome: 'checked' | 'busy' | 'skipped';
  escalations: number;
  next_check_at: Date | null;
  previous_check_at: Date | null;
}

interface Target {
  target: 'first_response' | 'resolution' | 'next_reply';
  trigger: 'first_response_breach' | 'resolution_breach' | 'next_reply_breach';
  milestones: SlaTargetMilestones;
  metAt: Date | null;
}

/** The targets a ticket is measured against now; a pending next reply is cleared when met. */
function targetsOf(ticket: TicketRow, policy: SlaPolicyEntity, milestones: SlaMilestones): Target[] {
  const targets: Target[] = [
    {
      target: 'first_response',
      trigger: 'first_response_breach',
      milestones: milestones.first_response,
      metAt: ticket.first_responded_at ?? ticket.resolved_at,
    },
    { target: 'resolution', trigger: 'resolution_breach', milestones: milestones.resolution, metAt: ticket.resolved_at },
  ];
  const nextReply = nextReplyOf(policy, ticket);
  if (nextReply) targets.push({ target: 'next_reply', trigger: 'next_reply_breach', milestones: nextReply, metAt: null });
  return targets;
}

/**
 * Acts on a ticket's SLA at a given instant: records near-breach and breach once per target and
 * window (the database refuses a second), escalates once per breach (compare-and-set on the
 * level), keeps sla_state current and sets the next instant to look again. Safe to run any
 * number of times, by any number of workers, at any time: it only acts on what holds now.
 */
@Injectable()
export class SlaMonitorService {
  private readonly policyCache = new Map<string, SlaPolicyEntity>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly slaEvents: SlaEventsRepository,
    private readonly escalations: TicketEscalationsRepository,
    private readonly recorder: TicketRecorder,
    private readonly escalation: EscalationService,
    private readonly scheduler: SlaScheduler,
    private readonly metrics: SlaMetrics,
  ) {}

  async checkTicket(tenantId: string, ticketId: string, source: 'timer' | 'sweep', now = new Date()): Promise<SlaCheckResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      // A check is idempotent and its ticket stays due until it commits, so a commit lost in a
      // crash is simply redone: no need to wait for the WAL flush (half a millisecond a ticket).
      await commitWithoutWaitingForFlush(manager);
      // A ticket another transaction holds is being changed or checked right now: do not wait for
      // it (a sweep must not stall behind one ticket); say 'busy' so that a timer tries again.
      const ticket = await this.tickets.lockUnlessBusy(manager, tenantId, ticketId);
      if (!ticket) {
        const exists = await this.tickets.findById(tenantId, ticketId, manager);
        return { outcome: exists ? ('busy' as const) : ('skipped' as const), escalations: 0, next_check_at: null, previous_check_at: null };
      }
      this.metrics.ticketsExamined.inc({ source });
      if (ticket.archived || !isOpenStatus(ticket.status) || !ticket.sla_policy_id) {
        await this.tickets.updateSla(manager, tenantId, ticketId, { next_sla_check_at: null });
        return { outcome: 'checked' as const, escalations: 0, next_check_at: null, previous_check_at: ticket.next_sla_check_at };
      }
      const policy = await this.policy(manager, tenantId, ticket.sla_policy_id);
      return this.evaluate(manager, ticket, policy, now);
    });
    if (result.outcome === 'checked') await this.scheduler.schedule(tenantId, ticketId, result.next_check_at, result.previous_check_at);
    return result;
  }

  private async evaluate(manager: EntityManager, original: TicketRow, policy: SlaPolicyEntity, now: Date): Promise<SlaCheckResult> {
    let ticket = original;
    const terms = termsOf(policy);
    const clock = clockOf(ticket);
    const milestones = slaMilestones(terms, clock);
    let escalations = 0;
    let breachedAt = ticket.breached_at;
    let nextReescalation: Date | null = null;

    if (clock.paused_at === null) {
      for (const {
        target,
        trigger,
        milestones: { near_breach_at, due_at },
        metAt,
      } of targetsOf(ticket, policy, milestones)) {
        if (metAt && metAt <= due_at) continue;
        const window = `${target}@${due_at.toISOString()}`;
        const base = { tenant_id: ticket.tenant_id, ticket_id: ticket.id, target, window_key: window, occurred_at: now };
        if (metAt) {
          // Met late, before any worker acted on the breach: the breach is still recorded (once);
          // escalating a target already met would help no one.
          if (await this.slaEvents.record(manager, { ...base, kind: 'breached', details: { due_at: due_at.toISOString(), met_at: metAt.toISOString() } })) {
            await this.event(manager, ticket, { type: 'sla.breached', payload: { target, due_at: due_at.toISOString(), met_late: true } }, now);
          }
          continue;
        }
        if (now > near_breach_at && (await this.slaEvents.record(manager, { ...base, kind: 'near_breach', details: { due_at: due_at.toISOString() } }))) {
          await this.event(manager, ticket, { type: 'sla.near_breach', payload: { target, due_at: due_at.toISOString() } }, now);
        }
        if (!(now > due_at)) continue;
        const firstSeen = await this.slaEvents.record(manager, { ...base, kind: 'breached', details: { due_at: due_at.toISOString() } });
        if (firstSeen) {
          await this.event(manager, ticket, { type: 'sla.breached', payload: { target, due_at: due_at.toISOString() } }, now);
          this.metrics.breachLag.observe((now.getTime() - due_at.getTime()) / 1000);
        }
        breachedAt = breachedAt ?? due_at;
        // A breach seen for the first time has no escalation yet: only look for one otherwise.
        const latest = firstSeen ? null : await this.escalations.latest(manager, ticket.tenant_id, ticket.id, window);
        const reescalateAt =
          latest && !latest.acknowledged_at && !latest.chain_exhausted && policy.reescalation_minutes
            ? new Date(latest.created_at.getTime() + policy.reescalation_minutes * 60_000)
            : null;
        if (!latest || (reescalateAt && now >= reescalateAt)) {
          const outcome = await this.escalation.escalateLocked(
            manager,
            systemActor(ticket.tenant_id),
            ticket,
            policy,
            { trigger, breachKey: window, reason: `${target.replace('_', ' ')} target breached`, fromLevel: ticket.escalation_level },
            now,
          );
          if (outcome.outcome === 'escalated') {
            ticket = outcome.ticket;
            escalations += 1;
            this.metrics.escalations.inc({ trigger });
            if (policy.reescalation_minutes && !outcome.escalation.chain_exhausted) {
              nextReescalation = earliest(nextReescalation, new Date(now.getTime() + policy.reescalation_minutes * 60_000));
            }
          }
        } else if (reescalateAt) {
          nextReescalation = earliest(nextReescalation, reescalateAt);
        }
      }
    }

    const nextReply = clock.paused_at ? null : nextReplyEventAt(nextReplyOf(policy, ticket), now);
    const next = earliest(earliest(nextSlaEventAt(terms, clock, now), nextReply), nextReescalation);
    const state = deriveSlaState(terms, clock, now);
    await this.tickets.updateSla(manager, ticket.tenant_id, ticket.id, { sla_state: state, next_sla_check_at: next, breached_at: breachedAt });
    return { outcome: 'checked', escalations, next_check_at: next, previous_check_at: original.next_sla_check_at };
  }

  /** The SLA clock's events are the system's, through the one recorder like every other. */
  private async event(manager: EntityManager, ticket: TicketRow, event: DomainEvent, at: Date): Promise<void> {
    await this.recorder.publish(manager, originOf(systemActor(ticket.tenant_id)), ticket, [event], at);
  }

  /** Policy versions never change once written, so they cache safely. */
  private async policy(manager: EntityManager, tenantId: string, id: string): Promise<SlaPolicyEntity> {
    const cached = this.policyCache.get(id);
    if (cached) return cached;
    const policy = await this.policies.findById(tenantId, id, manager);
    if (!policy) throw new Error(`SLA policy ${id} of tenant ${tenantId} is missing`);
    if (this.policyCache.size > 10_000) this.policyCache.clear();
    this.policyCache.set(id, policy);
    return policy;
  }
}
