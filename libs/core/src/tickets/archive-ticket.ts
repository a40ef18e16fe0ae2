import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TicketsRepository } from '@helpdesk/database';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { assertTicketReadable, canOnTicket } from './ticket-access';
import { TicketRecorder } from './ticket-recorder';

/** Archiving is the only delete: the ticket leaves default lists, its history stays. */
@Injectable()
export class ArchiveTicket {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly recorder: TicketRecorder,
  ) {}

  /** `archived`: false when the ticket already was (nothing recorded). */
  async execute(actor: Actor, id: string, meta: RequestMeta = NO_REQUEST): Promise<{ archived: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, id));
      assertAllowed(canOnTicket(actor.ability, 'delete', ticket), 'archive this ticket');
      if (ticket.archived) return { archived: false };
      const now = new Date();
      const updated = await this.tickets.update(manager, actor.tenantId, id, { archived: true, next_sla_check_at: null }, now);
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        updated,
        'archived',
        { archived: { old: false, new: true } },
        [{ type: 'ticket.archived', payload: {} }],
        now,
      );
      return { archived: true };
    });
  }
}
