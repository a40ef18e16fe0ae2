import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  EscalationTrigger,
  SlaEventsRepository,
  SlaPoliciesRepository,
  SlaPolicyEntity,
  TicketEscalationRow,
  TicketEscalationsRepository,
  TicketRow,
  TicketsRepository,
} from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { carriesScope } from '../access/principal';
import { assertTicketReadable, canOnTicket } from '../tickets/ticket-access';
import { TicketRecorder } from '../tickets/ticket-recorder';

export interface EscalationRequest {
  trigger: EscalationTrigger;
  /** Identifies the breach (or the manual request): one escalation per (ticket, level, breach). */
  breachKey: string;
  reason: string | null;
  /** The level the caller saw; the escalation happens only if the ticket is still there. */
  fromLevel: number;
}

export type EscalationOutcome =
  | { outcome: 'escalated'; escalation: TicketEscalationRow; ticket: TicketRow }
  | { outcome: 'exhausted'; escalation: TicketEscalationRow | null }
  | { outcome: 'stale' };

/**
 * Moves a ticket one step along its policy's escalation chain: owner role, level, escalation
 * log, audit and outbox, in one transaction guarded by compare-and-set on the level read. Both
 * the api (manual) and the worker (breaches) call it, with the ticket locked.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly escalations: TicketEscalationsRepository,
    private readonly slaEvents: SlaEventsRepository,
    private readonly recorder: TicketRecorder,
  ) {}

  /** Within the caller's transaction, on a ticket the caller has locked. */
  async escalateLocked(
    manager: EntityManager,
    actor: Actor,
    ticket: TicketRow,
    policy: SlaPolicyEntity,
    request: EscalationRequest,
    at: Date,
    meta: RequestMeta = NO_REQUEST,
  ): Promise<EscalationOutcome> {
    const origin = originOf(actor, meta);
    if (ticket.escalation_level !== request.fromLevel) return { outcome: 'stale' };
    const chain = policy.escalation_chain;
    const lastLevel = chain.length - 1;
    if (request.fromLevel >= lastLevel) {
      // The chain is exhausted: the ticket stays with the last role; say so once per breach.
      const escalation = await this.escalations.insert(manager, {
        tenant_id: ticket.tenant_id,
        ticket_id: ticket.id,
        from_level: ticket.escalation_level,
        to_level: ticket.escalation_level,
        from_role: ticket.owner_role,
        to_role: ticket.owner_role ?? chain[lastLevel],
        trigger: request.trigger,
        breach_key: `${request.breachKey}#exhausted`,
        reason: request.reason,
        chain_exhausted: true,
        actor_type: origin.actor_type,
        actor_id: origin.actor_id,
        created_at: at,
      });
      if (escalation) {
        await this.recorder.record(
          manager,
          origin,
          ticket,
          'escalation_exhausted',
          { trigger: request.trigger, reason: request.reason },
          [{ type: 'ticket.escalation_exhausted', payload: { level: ticket.escalation_level, owner_role: ticket.owner_role, trigger: request.trigger } }],
          at,
        );
      }
      return { outcome: 'exhausted', escalation };
    }
    const toLevel = request.fromLevel + 1;
    const toRole = chain[toLevel];
    const escalated = await this.tickets.escalateFrom(manager, ticket.tenant_id, ticket.id, request.fromLevel, toLevel, toRole, at);
    if (!escalated) return { outcome: 'stale' };
    const escalation = await this.escalations.insert(manager, {
      tenant_id: ticket.tenant_id,
      ticket_id: ticket.id,
      from_level: request.fromLevel,
      to_level: toLevel,
      from_role: ticket.owner_role,
      to_role: toRole,
      trigger: request.trigger,
      breach_key: request.breachKey,
      reason: request.reason,
      chain_exhausted: toLevel === lastLevel,
      actor_type: origin.actor_type,
      actor_id: origin.actor_id,
      created_at: at,
    });
    // The unique (ticket, level, breach) row is the last word on "once": roll the whole change back.
    if (!escalation) throw new DomainError('conflict', 'This escalation already happened.');
    await this.slaEvents.record(manager, {
      tenant_id: ticket.tenant_id,
      ticket_id: ticket.id,
      kind: 'escalated',
      target: null,
      details: { from_level: request.fromLevel, to_level: toLevel, to_role: toRole, trigger: request.trigger },
      window_key: null,
      occurred_at: at,
    });
    await this.recorder.record(
      manager,
      origin,
      escalated,
      'escalated',
      {
        escalation_level: { old: request.fromLevel, new: toLevel },
        owner_role: { old: ticket.owner_role, new: toRole },
        trigger: request.trigger,
        reason: request.reason,
      },
      [
        {
          type: 'ticket.escalated',
          payload: {
            from_level: request.fromLevel,
            to_level: toLevel,
            from_role: ticket.owner_role,
            to_role: toRole,
            trigger: request.trigger,
            reason: request.reason,
            chain_exhausted: toLevel === lastLevel,
          },
        },
      ],
      at,
    );
    return { outcome: 'escalated', escalation, ticket: escalated };
  }

  /** POST /tickets/:id/escalate: the same path, for a caller allowed to escalate. */
  async escalateManually(
    actor: Actor,
    ticketId: string,
    reason: string,
    fromLevel?: number,
    meta: RequestMeta = NO_REQUEST,
  ): Promise<Exclude<EscalationOutcome, { outcome: 'stale' }>> {
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      assertAllowed(canOnTicket(actor.ability, 'escalate', ticket), 'escalate this ticket');
      if (fromLevel !== undefined && fromLevel !== ticket.escalation_level) {
        throw new DomainError('conflict', `The ticket is at escalation level ${ticket.escalation_level}, not ${fromLevel}.`, {
          escalation_level: ticket.escalation_level,
        });
      }
      const policy = ticket.sla_policy_id ? await this.policies.findById(actor.tenantId, ticket.sla_policy_id, manager) : null;
      if (!policy) throw new DomainError('conflict', 'The ticket has no SLA policy, hence no escalation chain.');
      const at = new Date();
      const result = await this.escalateLocked(
        manager,
        actor,
        ticket,
        policy,
        { trigger: 'manual', breachKey: `manual@${ticket.version}`, reason, fromLevel: ticket.escalation_level },
        at,
        meta,
      );
      if (result.outcome === 'stale') throw new DomainError('conflict', 'The ticket’s escalation changed meanwhile; read it again.');
      return result;
    });
  }

  /**
   * The owner takes the escalation in hand: no further automatic escalation for this breach.
   * Allowed to holders of the ticket's current owner role and to roles that may escalate it.
   */
  async acknowledge(actor: Actor, ticketId: string, meta: RequestMeta = NO_REQUEST): Promise<TicketEscalationRow> {
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      // The role a ticket escalated to may acknowledge it; an API key of that role needs its write scope all the same.
      const ownerRole = actor.kind !== 'system' && actor.role === ticket.owner_role && carriesScope(actor, 'tickets:write');
      assertAllowed(ownerRole || canOnTicket(actor.ability, 'escalate', ticket), 'acknowledge escalations of this ticket');
      const latest = await this.escalations.latest(manager, actor.tenantId, ticketId);
      if (!latest) throw new DomainError('conflict', 'The ticket has no escalation to acknowledge.');
      if (latest.acknowledged_at) return latest;
      const at = new Date();
      await this.escalations.acknowledge(manager, latest.id, actor.kind === 'user' ? actor.id : null, at);
      await this.slaEvents.record(manager, {
        tenant_id: ticket.tenant_id,
        ticket_id: ticket.id,
        kind: 'acknowledged',
        target: null,
        details: { escalation_id: latest.id, level: latest.to_level },
        window_key: null,
        occurred_at: at,
      });
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        ticket,
        'escalation_acknowledged',
        { escalation_id: latest.id, level: latest.to_level },
        [{ type: 'ticket.escalation_acknowledged', payload: { escalation_id: latest.id, level: latest.to_level } }],
        at,
      );
      return { ...latest, acknowledged_at: at, acknowledged_by: actor.kind === 'user' ? actor.id : null };
    });
  }

  /** One step back down the chain, for roles that may escalate; it also acknowledges the current breach. */
  async deEscalate(actor: Actor, ticketId: string, reason: string, meta: RequestMeta = NO_REQUEST): Promise<TicketRow> {
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      assertAllowed(canOnTicket(actor.ability, 'escalate', ticket), 'de-escalate this ticket');
      if (ticket.escalation_level === 0) throw new DomainError('conflict', 'The ticket is not escalated.');
      const policy = ticket.sla_policy_id ? await this.policies.findById(actor.tenantId, ticket.sla_policy_id, manager) : null;
      if (!policy) throw new DomainError('conflict', 'The ticket has no SLA policy, hence no escalation chain.');
      const at = new Date();
      const toLevel = ticket.escalation_level - 1;
      const toRole = policy.escalation_chain[Math.min(toLevel, policy.escalation_chain.length - 1)];
      const updated = await this.tickets.escalateFrom(manager, actor.tenantId, ticketId, ticket.escalation_level, toLevel, toRole, at);
      if (!updated) throw new DomainError('conflict', 'The ticket’s escalation changed meanwhile; read it again.');
      const latest = await this.escalations.latest(manager, actor.tenantId, ticketId);
      if (latest && !latest.acknowledged_at) await this.escalations.acknowledge(manager, latest.id, actor.kind === 'user' ? actor.id : null, at);
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        updated,
        'de_escalated',
        { escalation_level: { old: ticket.escalation_level, new: toLevel }, owner_role: { old: ticket.owner_role, new: toRole }, reason },
        [
          {
            type: 'ticket.de_escalated',
            payload: { from_level: ticket.escalation_level, to_level: toLevel, from_role: ticket.owner_role, to_role: toRole, reason },
          },
        ],
        at,
      );
      return updated;
    });
  }
}
