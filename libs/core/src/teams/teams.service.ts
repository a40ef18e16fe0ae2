import { Injectable } from '@nestjs/common';
import { Page, PageRequest, TeamEntity, TeamFields, TeamsRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { Actor, assertMayCreate, assertRecordAccess, readCondition } from '../access/actor';
import { isUniqueViolation } from '../unique-violation';
import { UserCache } from '../access/user-cache';

@Injectable()
export class TeamsService {
  constructor(
    private readonly teams: TeamsRepository,
    private readonly userCache: UserCache,
  ) {}

  list(actor: Actor, page: PageRequest): Promise<Page<TeamEntity>> {
    return this.teams.list(actor.tenantId, page, readCondition(actor, 'Team', 't'));
  }

  async get(actor: Actor, id: string): Promise<TeamEntity> {
    return assertRecordAccess(actor, 'read', 'Team', await this.teams.findById(actor.tenantId, id), 'Team');
  }

  async create(actor: Actor, input: { name: string; description?: string }): Promise<TeamEntity> {
    assertMayCreate(actor, 'Team', input, 'Team');
    return this.teams.create(actor.tenantId, { name: input.name, description: input.description ?? '' }).catch(rethrowDuplicateName);
  }

  async update(actor: Actor, id: string, input: Partial<TeamFields>): Promise<TeamEntity> {
    assertRecordAccess(actor, 'update', 'Team', await this.teams.findById(actor.tenantId, id), 'Team');
    const updated = await this.teams.update(actor.tenantId, id, input).catch(rethrowDuplicateName);
    return updated!;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    assertRecordAccess(actor, 'delete', 'Team', await this.teams.findById(actor.tenantId, id), 'Team');
    await this.teams.delete(actor.tenantId, id);
    this.userCache.clear();
  }
}

function rethrowDuplicateName(error: unknown): never {
  if (isUniqueViolation(error)) throw new DomainError('conflict', 'A team with this name already exists.');
  throw error;
}
