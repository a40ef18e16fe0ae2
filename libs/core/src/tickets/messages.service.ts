import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, SlaPoliciesRepository, TicketChanges, TicketMessageRow, TicketMessagesRepository, TicketRow, TicketsRepository } from '@helpdesk/database';
import { DomainEvent, isOpenStatus, resumeClock, statusAfterRequesterReply } from '@helpdesk/domain';
import { Actor, assertAllowed, eventActorOf, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { assertNotArchived, assertTicketReadable, messageCondition, messageSubject } from './ticket-access';
import { diff, TicketRecorder } from './ticket-recorder';
import { clockOf, nextReplyOf, scheduleSlaCheck, slaColumns, termsOf } from './ticket-sla';
import { SlaScheduler } from '@helpdesk/queue';

export interface CreateMessageInput {
  body: string;
  internal?: boolean;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly messages: TicketMessagesRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly recorder: TicketRecorder,
    private readonly scheduler: SlaScheduler,
  ) {}

  /**
   * Adds a public reply or an internal note. The first public reply by anyone but the requester
   * is the first response (met or late against its due date); a requester's reply on an awaiting
   * ticket moves it back to `open` and restarts its clock.
   */
  async create(actor: Actor, ticketId: string, input: CreateMessageInput, meta: RequestMeta = NO_REQUEST): Promise<TicketMessageRow> {
    const internal = input.internal ?? false;
    let reschedule: { before: TicketRow; after: TicketRow } | null = null;
    const created = await this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      const authorId = actor.kind === 'user' ? actor.id : null;
      assertAllowed(
        actor.ability.can('create', messageSubject({ ticket_id: ticketId, author_id: authorId, internal })),
        internal ? 'write internal notes' : 'reply on tickets',
      );
      assertNotArchived(ticket);
      const now = new Date();
      const message = await this.messages.insert(manager, {
        tenant_id: actor.tenantId,
        ticket_id: ticketId,
        author_id: authorId,
        author_api_key_id: actor.kind === 'api_key' ? actor.id : null,
        body: input.body,
        internal,
        attachment_ids: [],
        created_at: now,
      });

      const byRequester = authorId !== null && authorId === ticket.requester_id;
      const changes: TicketChanges = {};
      const events: DomainEvent[] = [
        {
          type: 'message.created',
          payload: { message_id: message.id, internal, visibility: internal ? 'internal' : 'public', by_requester: byRequester, author: eventActorOf(actor) },
        },
      ];
      const policy = ticket.sla_policy_id ? await this.policies.findById(actor.tenantId, ticket.sla_policy_id, manager) : null;
      let clock = clockOf(ticket);
      let status = ticket.status;
      let nextReplyMet: Date | null = null;
      if (!internal && !byRequester && !ticket.first_responded_at) {
        changes.first_responded_at = now;
        clock = { ...clock, first_responded_at: now };
        events.push({
          type: 'ticket.first_responded',
          payload: { message_id: message.id, late: !!ticket.first_response_due_at && now > ticket.first_response_due_at },
        });
      }
      const reopenedByReply = !internal && byRequester ? statusAfterRequesterReply(ticket.status) : null;
      if (reopenedByReply) {
        status = reopenedByReply;
        changes.status = status;
        if (policy && clock.paused_at) clock = resumeClock(clock, now, termsOf(policy));
        events.push({ type: 'ticket.status_changed', payload: { from: ticket.status, to: status, reason: 'requester_replied' } });
      }
      // The next-reply target: a requester's public message starts it (unless one is already
      // waiting), the next public reply by anyone else ends it.
      if (!internal && policy?.next_reply_minutes && isOpenStatus(status)) {
        if (byRequester && !ticket.next_reply_started_at) {
          changes.next_reply_started_at = now;
          changes.next_reply_due_at = nextReplyOf(policy, { next_reply_started_at: now })!.due_at;
        }
        if (!byRequester && ticket.next_reply_started_at) {
          changes.next_reply_started_at = null;
          changes.next_reply_due_at = null;
          nextReplyMet = ticket.next_reply_due_at && now <= ticket.next_reply_due_at ? ticket.next_reply_due_at : null;
        }
      }
      if (policy && Object.keys(changes).length > 0) {
        const waiting = changes.next_reply_started_at !== undefined ? changes.next_reply_started_at : ticket.next_reply_started_at;
        Object.assign(
          changes,
          slaColumns(termsOf(policy), clock, status, now, {
            pendingCheck: ticket.next_sla_check_at,
            nextReply: nextReplyOf(policy, { next_reply_started_at: waiting }),
          }),
        );
      }

      const ticketChanges = diff(ticket, changes);
      const current = Object.keys(ticketChanges).length > 0 ? await this.tickets.update(manager, actor.tenantId, ticketId, changes, now) : ticket;
      reschedule = { before: ticket, after: current };
      await this.recorder.record(manager, originOf(actor, meta), current, 'message_added', { message_id: message.id, internal, ...ticketChanges }, events, now);
      if (nextReplyMet)
        await this.recorder.slaEvent(manager, current, 'met', 'next_reply', { due_at: nextReplyMet.toISOString(), replied_at: now.toISOString() }, now);
      if (changes.first_responded_at && ticket.first_response_due_at && now <= ticket.first_response_due_at) {
        await this.recorder.slaEvent(manager, current, 'met', 'first_response', { responded_at: now.toISOString() }, now);
      }
      if (ticket.sla_paused_at && !current.sla_paused_at)
        await this.recorder.slaEvent(manager, current, 'resumed', null, { status: current.status, reason: 'requester_replied' }, now);
      return message;
    });
    const changed = reschedule as { before: TicketRow; after: TicketRow } | null;
    if (changed) await scheduleSlaCheck(this.scheduler, changed.after, changed.before);
    return created;
  }

  /** A ticket's messages as the caller may see them: requesters never get internal notes. */
  async list(actor: Actor, ticketId: string, limit: number, cursor?: string): Promise<Page<TicketMessageRow>> {
    assertTicketReadable(actor, await this.tickets.findById(actor.tenantId, ticketId));
    assertAllowed(actor.ability.can('read', 'Message'), 'read messages');
    return this.messages.list(actor.tenantId, ticketId, messageCondition(actor.ability), limit, cursor);
  }
}
