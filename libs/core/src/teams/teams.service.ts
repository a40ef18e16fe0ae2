import { Injectable } from '@nestjs/common';
import { Page, PageRequest, TeamEntity, TeamFields, TeamsRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { isUniqueViolation } from '../unique-violation';

@Injectable()
export class TeamsService {
  constructor(private readonly teams: TeamsRepository) {}

  list(tenantId: string, page: PageRequest): Promise<Page<TeamEntity>> {
    return this.teams.list(tenantId, page);
  }

  async get(tenantId: string, id: string): Promise<TeamEntity> {
    const team = await this.teams.findById(tenantId, id);
    if (!team) throw DomainError.notFound('Team');
    return team;
  }

  async create(tenantId: string, input: { name: string; description?: string }): Promise<TeamEntity> {
    return this.teams.create(tenantId, { name: input.name, description: input.description ?? '' }).catch(rethrowDuplicateName);
  }

  async update(tenantId: string, id: string, input: Partial<TeamFields>): Promise<TeamEntity> {
    await this.get(tenantId, id);
    const updated = await this.teams.update(tenantId, id, input).catch(rethrowDuplicateName);
    return updated!;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.teams.delete(tenantId, id);
  }
}

function rethrowDuplicateName(error: unknown): never {
  if (isUniqueViolation(error)) throw new DomainError('conflict', 'A team with this name already exists.');
  throw error;
}
