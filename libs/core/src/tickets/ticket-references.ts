import { Injectable } from '@nestjs/common';
import { TeamsRepository, TicketRow, UsersRepository } from '@helpdesk/database';
import { DomainError, FieldError } from '@helpdesk/domain';
import { AuthService } from '../auth/auth.service';
import { canOnTicket } from './ticket-access';

/** The people and teams a ticket may point at: shared by creating and assigning tickets. */
@Injectable()
export class TicketReferences {
  constructor(
    private readonly users: UsersRepository,
    private readonly teams: TeamsRepository,
    private readonly auth: AuthService,
  ) {}

  async assertExist(tenantId: string, refs: { requester_id?: string; team_id?: string }): Promise<void> {
    const errors: FieldError[] = [];
    if (refs.requester_id && !(await this.users.findById(tenantId, refs.requester_id))?.active) {
      errors.push({ field: 'requester_id', message: 'is not an active user of this tenant' });
    }
    if (refs.team_id && !(await this.teams.findById(tenantId, refs.team_id))) errors.push({ field: 'team_id', message: 'is not a team of this tenant' });
    if (errors.length) throw DomainError.validation(errors);
  }

  /** The assignee must be an active user whose own role lets them work the ticket. */
  async assertAssignable(tenantId: string, assigneeId: string, ticket: TicketRow): Promise<void> {
    const assignee = await this.users.findById(tenantId, assigneeId);
    if (!assignee?.active) throw DomainError.validation([{ field: 'assignee_id', message: 'is not an active user of this tenant' }]);
    const principal = await this.auth.principalOf(assignee);
    if (!canOnTicket(principal.ability, 'update', ticket)) {
      throw DomainError.validation([{ field: 'assignee_id', message: 'this user’s role does not allow working this ticket' }]);
    }
  }
}
