import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TicketChanges, TicketsRepository, TicketWatchersRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { assertNotArchived, assertTicketReadable, canOnTicket, ticketView } from './ticket-access';
import { diff, TicketRecorder } from './ticket-recorder';
import { TicketReferences } from './ticket-references';
import type { TicketView } from './tickets.service';

export interface AssignTicketInput {
  assignee_id?: string | null;
  team_id?: string | null;
  reason: string;
}

/** Sending a ticket to a person and/or a team (null clears), with a reason; the assignee starts watching. */
@Injectable()
export class AssignTicket {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly watchers: TicketWatchersRepository,
    private readonly references: TicketReferences,
    private readonly recorder: TicketRecorder,
  ) {}

  async execute(actor: Actor, id: string, input: AssignTicketInput, meta: RequestMeta = NO_REQUEST): Promise<TicketView> {
    if (input.assignee_id === undefined && input.team_id === undefined) {
      throw DomainError.validation([{ field: 'assignee_id', message: 'name an assignee_id or a team_id (null clears it)' }]);
    }
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, id));
      assertAllowed(canOnTicket(actor.ability, 'assign', ticket), 'assign this ticket');
      assertNotArchived(ticket);
      await this.references.assertExist(actor.tenantId, { team_id: input.team_id ?? undefined });
      const changes: TicketChanges = {};
      if (input.team_id !== undefined) changes.team_id = input.team_id;
      if (input.assignee_id !== undefined) changes.assignee_id = input.assignee_id;
      // A new team must not strand the current assignee on a ticket their role no longer reaches.
      const assignee = changes.assignee_id !== undefined ? changes.assignee_id : ticket.assignee_id;
      if (assignee) await this.references.assertAssignable(actor.tenantId, assignee, { ...ticket, ...changes });
      const changed = diff(ticket, changes);
      if (Object.keys(changed).length === 0) return ticketView(actor.ability, ticket);
      const now = new Date();
      const updated = await this.tickets.update(manager, actor.tenantId, id, changes, now);
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        updated,
        'assigned',
        { ...changed, reason: input.reason },
        [
          {
            type: 'ticket.assigned',
            payload: {
              assignee_id: updated.assignee_id,
              team_id: updated.team_id,
              previous_assignee_id: ticket.assignee_id,
              previous_team_id: ticket.team_id,
              reason: input.reason,
            },
          },
        ],
        now,
      );
      if (updated.assignee_id) await this.watchers.add(manager, actor.tenantId, id, updated.assignee_id, {}, now);
      return ticketView(actor.ability, updated);
    });
  }
}
