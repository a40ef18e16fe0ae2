import { Injectable } from '@nestjs/common';
import { Page, PageRequest, TeamEntity, TeamFields, TeamsRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { assertMayCreate, assertRecordAccess, readCondition, Scope } from '../access/scope';
import { isUniqueViolation } from '../unique-violation';
import { UserCache } from '../access/user-cache';

@Injectable()
export class TeamsService {
  constructor(
    private readonly teams: TeamsRepository,
    private readonly userCache: UserCache,
  ) {}

  list(scope: Scope, page: PageRequest): Promise<Page<TeamEntity>> {
    return this.teams.list(scope.tenantId, page, readCondition(scope, 'Team', 't'));
  }

  async get(scope: Scope, id: string): Promise<TeamEntity> {
    return assertRecordAccess(scope, 'read', 'Team', await this.teams.findById(scope.tenantId, id), 'Team');
  }

  async create(scope: Scope, input: { name: string; description?: string }): Promise<TeamEntity> {
    assertMayCreate(scope, 'Team', input, 'Team');
    return this.teams.create(scope.tenantId, { name: input.name, description: input.description ?? '' }).catch(rethrowDuplicateName);
  }

  async update(scope: Scope, id: string, input: Partial<TeamFields>): Promise<TeamEntity> {
    assertRecordAccess(scope, 'update', 'Team', await this.teams.findById(scope.tenantId, id), 'Team');
    const updated = await this.teams.update(scope.tenantId, id, input).catch(rethrowDuplicateName);
    return updated!;
  }

  async delete(scope: Scope, id: string): Promise<void> {
    assertRecordAccess(scope, 'delete', 'Team', await this.teams.findById(scope.tenantId, id), 'Team');
    await this.teams.delete(scope.tenantId, id);
    this.userCache.clear();
  }
}

function rethrowDuplicateName(error: unknown): never {
  if (isUniqueViolation(error)) throw new DomainError('conflict', 'A team with this name already exists.');
  throw error;
}
