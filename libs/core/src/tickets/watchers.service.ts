import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { subjectOf } from '@helpdesk/access';
import { TicketsRepository, TicketWatcherRow, TicketWatchersRepository, UsersRepository, WatcherPreferences } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { originOf, RequestContext } from '../access/request-context';
import { AuthService } from '../auth/auth.service';
import { assertAllowed, assertNotArchived, assertReadable, canOnTicket } from './ticket-access';
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

  async add(context: RequestContext, ticketId: string, userId: string | undefined, preferences: Partial<WatcherPreferences>): Promise<TicketWatcherRow> {
    const { principal } = context;
    const watcherId = userId ?? (principal.kind === 'user' ? principal.id : undefined);
    if (!watcherId) throw DomainError.validation([{ field: 'user_id', message: 'is required when the caller is not a user' }]);
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertReadable(principal.ability, await this.tickets.lock(manager, principal.tenantId, ticketId));
      assertAllowed(principal.ability.can('create', subjectOf('Watcher', { ticket_id: ticketId, user_id: watcherId })), watcherId === principal.id ? 'watch tickets' : 'add other watchers');
      assertNotArchived(ticket);
      const user = await this.users.findById(principal.tenantId, watcherId);
      if (!user?.active) throw DomainError.validation([{ field: 'user_id', message: 'is not an active user of this tenant' }]);
      if (user.id !== principal.id && !canOnTicket((await this.auth.principalOf(user)).ability, 'read', ticket)) {
        throw DomainError.validation([{ field: 'user_id', message: 'this user may not see the ticket' }]);
      }
      const now = new Date();
      const watcher = await this.watchers.add(manager, principal.tenantId, ticketId, watcherId, preferences, now);
      if (!watcher) throw new DomainError('conflict', 'This user already watches the ticket.');
      await this.recorder.record(manager, originOf(context), ticket, 'watcher_added', { user_id: watcherId }, [{ type: 'watcher.added', payload: { user_id: watcherId } }], now);
      return watcher;
    });
  }

  async update(context: RequestContext, ticketId: string, userId: string, preferences: Partial<WatcherPreferences>): Promise<TicketWatcherRow> {
    const { principal } = context;
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertReadable(principal.ability, await this.tickets.lock(manager, principal.tenantId, ticketId));
      assertAllowed(principal.ability.can('update', subjectOf('Watcher', { ticket_id: ticketId, user_id: userId })), 'change this watcher');
      assertNotArchived(ticket);
      const watcher = await this.watchers.update(manager, principal.tenantId, ticketId, userId, preferences);
      if (!watcher) throw DomainError.notFound('Watcher');
      await this.recorder.record(manager, originOf(context), ticket, 'watcher_updated', { user_id: userId, ...preferences }, [{ type: 'watcher.updated', payload: { user_id: userId } }], new Date());
      return watcher;
    });
  }

  async remove(context: RequestContext, ticketId: string, userId: string): Promise<void> {
    const { principal } = context;
    await this.dataSource.transaction(async (manager) => {
      const ticket = assertReadable(principal.ability, await this.tickets.lock(manager, principal.tenantId, ticketId));
      assertAllowed(principal.ability.can('delete', subjectOf('Watcher', { ticket_id: ticketId, user_id: userId })), 'remove this watcher');
      assertNotArchived(ticket);
      if (!(await this.watchers.remove(manager, principal.tenantId, ticketId, userId))) throw DomainError.notFound('Watcher');
      await this.recorder.record(manager, originOf(context), ticket, 'watcher_removed', { user_id: userId }, [{ type: 'watcher.removed', payload: { user_id: userId } }], new Date());
    });
  }

  /** The watchers the caller may see (a requester: only themself). */
  async list(context: RequestContext, ticketId: string): Promise<TicketWatcherRow[]> {
    const { principal } = context;
    assertReadable(principal.ability, await this.tickets.findById(principal.tenantId, ticketId));
    assertAllowed(principal.ability.can('read', 'Watcher'), 'see watchers');
    const watchers = await this.watchers.list(principal.tenantId, ticketId);
    return watchers.filter((watcher) => principal.ability.can('read', subjectOf('Watcher', watcher)));
  }
}
