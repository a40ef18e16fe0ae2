import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { TeamEntity } from '../entities';
import { keysetPage, Page, PageRequest } from '../pagination';
import type { AccessCondition } from '../sql';

export interface TeamFields {
  name: string;
  description: string;
}

@Injectable()
export class TeamsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `access` is the caller's read condition on alias `t`. */
  list(tenantId: string, page: PageRequest, access: AccessCondition): Promise<Page<TeamEntity>> {
    const query = this.dataSource.manager
      .createQueryBuilder(TeamEntity, 't')
      .where('t.tenant_id = :tenantId', { tenantId })
      .andWhere(`(${access.sql})`, access.params);
    return keysetPage(query, 'teams', tenantId, page);
  }

  findById(tenantId: string, id: string): Promise<TeamEntity | null> {
    return this.dataSource.manager.findOneBy(TeamEntity, { tenant_id: tenantId, id });
  }

  /** The ids among `ids` that are teams of the tenant. */
  async existing(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM teams WHERE tenant_id = $1 AND id = ANY($2)', [tenantId, ids]);
    return new Set(rows.map((r) => r.id));
  }

  /** The id of the tenant's team of this name (case-insensitive), created when missing. */
  async ensureNamed(manager: EntityManager, tenantId: string, name: string): Promise<string> {
    const [row]: Array<{ id: string }> = await manager.query(
      `INSERT INTO teams (tenant_id, name) VALUES ($1, $2)
       ON CONFLICT (tenant_id, lower(name)) DO UPDATE SET name = teams.name RETURNING id`,
      [tenantId, name],
    );
    return row.id;
  }

  create(tenantId: string, fields: TeamFields): Promise<TeamEntity> {
    const manager = this.dataSource.manager;
    return manager.save(manager.create(TeamEntity, { ...fields, tenant_id: tenantId }));
  }

  async update(tenantId: string, id: string, fields: Partial<TeamFields>): Promise<TeamEntity | null> {
    await this.dataSource.manager.update(TeamEntity, { tenant_id: tenantId, id }, { ...fields, updated_at: new Date() });
    return this.findById(tenantId, id);
  }

  /** Deletes the team and takes it out of its members' team lists, in one transaction. */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('UPDATE users SET team_ids = array_remove(team_ids, $2), updated_at = now() WHERE tenant_id = $1 AND $2 = ANY(team_ids)', [
        tenantId,
        id,
      ]);
      await manager.delete(TeamEntity, { tenant_id: tenantId, id });
    });
  }
}
