import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SlaPoliciesRepository, TicketChanges, TicketRow, TicketsRepository } from '@helpdesk/database';
import {
  applyStatusToClock,
  assertResolutionSummary,
  assertTransition,
  definedFields,
  DomainError,
  DomainEvent,
  SLA_BOOKKEEPING_COLUMNS,
  isOpenStatus,
  statusChangeEffects,
  statusChangeEvents,
  TicketPriority,
  TicketStatus,
} from '@helpdesk/domain';
import { SlaScheduler } from '@helpdesk/queue';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { assertNotArchived, assertTicketReadable, canOnTicket, ticketView } from './ticket-access';
import { diff, TicketRecorder } from './ticket-recorder';
import { clockOf, nextReplyOf, scheduleSlaCheck, slaColumns, termsOf } from './ticket-sla';
import type { TicketView } from './tickets.service';

export interface UpdateTicketInput {
  title?: string;
  description?: string;
  priority?: TicketPriority;
  tags?: string[];
  metadata?: Record<string, unknown>;
  is_sensitive?: boolean;
  status?: TicketStatus;
  resolution_summary?: string;
}

/** Changing a ticket's fields and moving it through its lifecycle, against the version the caller read. */
@Injectable()
export class UpdateTicket {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly recorder: TicketRecorder,
    private readonly scheduler: SlaScheduler,
  ) {}

  async execute(actor: Actor, id: string, input: UpdateTicketInput, expectedVersion: number, meta: RequestMeta = NO_REQUEST): Promise<TicketView> {
    let before: TicketRow | null = null;
    let after: TicketRow | null = null;
    const view = await this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, id));
      assertNotArchived(ticket);
      if (ticket.version !== expectedVersion) {
        throw new DomainError('precondition_failed', `The ticket has changed (version ${ticket.version}, If-Match named ${expectedVersion}); read it again.`, {
          current_version: ticket.version,
        });
      }
      const { status, ...fields } = definedFields(input);
      const changes: TicketChanges = { ...fields };
      if (Object.keys(fields).length > 0) assertAllowed(canOnTicket(actor.ability, 'update', ticket), 'update this ticket');
      if (changes.tags) changes.tags = [...new Set(changes.tags)];

      const now = new Date();
      const events: DomainEvent[] = [];
      let clock = clockOf(ticket);
      if (status !== undefined && status !== ticket.status) {
        assertTransition(ticket.status, status);
        assertAllowed(canOnTicket(actor.ability, 'transition', ticket, status), `move this ticket to ${status}`);
        assertResolutionSummary(status, input.resolution_summary ?? ticket.resolution_summary);
        Object.assign(changes, statusChangeEffects(ticket, status, now));
        // Finishing a ticket stops its resolution clock, whichever way it is finished; reopening restarts it.
        clock = { ...clock, resolved_at: isOpenStatus(status) ? null : (clock.resolved_at ?? now) };
        events.push(...statusChangeEvents(ticket, status));
      } else if (status !== undefined) {
        assertTransition(ticket.status, status);
      }

      // A ticket keeps the policy version it applied, unless its priority changes.
      const reprioritised = changes.priority !== undefined && changes.priority !== ticket.priority;
      const policy = reprioritised
        ? await this.policies.findCurrent(actor.tenantId, changes.priority!, manager)
        : ticket.sla_policy_id
          ? await this.policies.findById(actor.tenantId, ticket.sla_policy_id, manager)
          : null;
      if (reprioritised && policy) changes.sla_policy_id = policy.id;
      const newStatus = (changes.status as TicketStatus | undefined) ?? ticket.status;
      if (policy) {
        const terms = termsOf(policy);
        if (newStatus !== ticket.status) clock = applyStatusToClock(terms, clock, newStatus, now);
        Object.assign(changes, slaColumns(terms, clock, newStatus, now, { pendingCheck: ticket.next_sla_check_at, nextReply: nextReplyOf(policy, ticket) }));
      }

      const changed = diff(ticket, changes);
      if (Object.keys(changed).length === 0) return ticketView(actor.ability, ticket);
      const updated = await this.tickets.update(manager, actor.tenantId, id, pickChanged(changes, changed), now);
      before = ticket;
      after = updated;
      const visibleChange = Object.keys(changed).some((key) => !SLA_BOOKKEEPING_COLUMNS.has(key));
      if (visibleChange) events.unshift({ type: 'ticket.updated', payload: { fields: Object.keys(changed).filter((k) => !SLA_BOOKKEEPING_COLUMNS.has(k)) } });
      await this.recorder.record(manager, originOf(actor, meta), updated, 'updated', changed, events, now);
      await this.recordClockEvents(manager, ticket, updated, policy, now);
      return ticketView(actor.ability, updated);
    });
    await scheduleSlaCheck(this.scheduler, after, before);
    return view;
  }

  /** The SLA log's view of a change: a new policy applied, the clock paused or resumed, a target met. */
  private async recordClockEvents(
    manager: EntityManager,
    before: TicketRow,
    after: TicketRow,
    policy: { id: string; version: number; priority: string } | null,
    at: Date,
  ): Promise<void> {
    if (policy && after.sla_policy_id !== before.sla_policy_id) {
      await this.recorder.slaEvent(manager, after, 'applied', null, { policy_id: policy.id, version: policy.version, priority: policy.priority }, at);
    }
    if (!before.sla_paused_at && after.sla_paused_at) await this.recorder.slaEvent(manager, after, 'paused', null, { status: after.status }, at);
    if (before.sla_paused_at && !after.sla_paused_at) {
      await this.recorder.slaEvent(
        manager,
        after,
        'resumed',
        null,
        { status: after.status, paused_seconds: after.sla_paused_seconds - before.sla_paused_seconds },
        at,
      );
    }
    if (!before.resolved_at && after.resolved_at && after.resolution_due_at && after.resolved_at <= after.resolution_due_at) {
      await this.recorder.slaEvent(manager, after, 'met', 'resolution', { resolved_at: after.resolved_at.toISOString() }, at);
    }
  }
}

function pickChanged(changes: TicketChanges, changed: Record<string, unknown>): TicketChanges {
  return Object.fromEntries(Object.entries(changes).filter(([key]) => key in changed)) as TicketChanges;
}
