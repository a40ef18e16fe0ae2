import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { subjectOf } from '@helpdesk/access';
import { TicketsRepository, TicketWatcherRow, TicketWatchersRepository, UsersRepository, WatcherPreferences } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { AuthService } from '../auth/auth.service';
import { assertNotArchived, assertTicketReadable, canOnTicket } from './ticket-access';
import { TicketRecorder } from './ticket-recorder';

@Injectable()
export class WatchersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly watchers: TicketWatchersRepository,
    private readonly users: UsersRepository,
    private readonly recorder: TicketRecorder,
    private readonly auth: AuthService,
  ) {}

  async add(
    actor: Actor,
    ticketId: string,
    userId: string | undefined,
    preferences: Partial<WatcherPreferences>,
    meta: RequestMeta = NO_REQUEST,
  ): Promise<TicketWatcherRow> {
    const watcherId = userId ?? (actor.kind === 'user' ? actor.id : undefined);
    if (!watcherId) throw DomainError.validation([{ field: 'user_id', message: 'is required when the caller is not a user' }]);
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      assertAllowed(
        actor.ability.can('create', subjectOf('Watcher', { ticket_id: ticketId, user_id: watcherId })),
        watcherId === actor.id ? 'watch tickets' : 'add other watchers',
      );
      assertNotArchived(ticket);
      const user = await this.users.findById(actor.tenantId, watcherId);
      if (!user?.active) throw DomainError.validation([{ field: 'user_id', message: 'is not an active user of this tenant' }]);
      if (user.id !== actor.id && !canOnTicket((await this.auth.principalOf(user)).ability, 'read', ticket)) {
        throw DomainError.validation([{ field: 'user_id', message: 'this user may not see the ticket' }]);
      }
      const now = new Date();
      const watcher = await this.watchers.add(manager, actor.tenantId, ticketId, watcherId, preferences, now);
      if (!watcher) throw new DomainError('conflict', 'This user already watches the ticket.');
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        ticket,
        'watcher_added',
        { user_id: watcherId },
        [{ type: 'watcher.added', payload: { user_id: watcherId } }],
        now,
      );
      return watcher;
    });
  }

  async update(
    actor: Actor,
    ticketId: string,
    userId: string,
    preferences: Partial<WatcherPreferences>,
    meta: RequestMeta = NO_REQUEST,
  ): Promise<TicketWatcherRow> {
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      assertAllowed(actor.ability.can('update', subjectOf('Watcher', { ticket_id: ticketId, user_id: userId })), 'change this watcher');
      assertNotArchived(ticket);
      const watcher = await this.watchers.update(manager, actor.tenantId, ticketId, userId, preferences);
      if (!watcher) throw DomainError.notFound('Watcher');
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        ticket,
        'watcher_updated',
        { user_id: userId, ...preferences },
        [{ type: 'watcher.updated', payload: { user_id: userId } }],
        new Date(),
      );
      return watcher;
    });
  }

  async remove(actor: Actor, ticketId: string, userId: string, meta: RequestMeta = NO_REQUEST): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const ticket = assertTicketReadable(actor, await this.tickets.lock(manager, actor.tenantId, ticketId));
      assertAllowed(actor.ability.can('delete', subjectOf('Watcher', { ticket_id: ticketId, user_id: userId })), 'remove this watcher');
      assertNotArchived(ticket);
      if (!(await this.watchers.remove(manager, actor.tenantId, ticketId, userId))) throw DomainError.notFound('Watcher');
      await this.recorder.record(
        manager,
        originOf(actor, meta),
        ticket,
        'watcher_removed',
        { user_id: userId },
        [{ type: 'watcher.removed', payload: { user_id: userId } }],
        new Date(),
      );
    });
  }

  /** The watchers the caller may see (a requester: only themself). */
  async list(actor: Actor, ticketId: string): Promise<TicketWatcherRow[]> {
    assertTicketReadable(actor, await this.tickets.findById(actor.tenantId, ticketId));
    assertAllowed(actor.ability.can('read', 'Watcher'), 'see watchers');
    const watchers = await this.watchers.list(actor.tenantId, ticketId);
    return watchers.filter((watcher) => actor.ability.can('read', subjectOf('Watcher', watcher)));
  }
}
