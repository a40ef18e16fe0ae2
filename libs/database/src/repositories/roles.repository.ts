import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RoleRule } from '@helpdesk/access';
import { RoleEntity } from '../entities';
import { keysetPage, Page, PageRequest } from '../pagination';
import type { AccessCondition } from '../sql';

export interface RoleFields {
  name: string;
  description: string;
  rules: RoleRule[];
}

@Injectable()
export class RolesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `access` is the caller's read condition on alias `r`. */
  list(tenantId: string, page: PageRequest, access: AccessCondition): Promise<Page<RoleEntity>> {
    const query = this.dataSource.manager
      .createQueryBuilder(RoleEntity, 'r')
      .where('r.tenant_id = :tenantId', { tenantId })
      .andWhere(`(${access.sql})`, access.params);
    return keysetPage(query, 'roles', tenantId, page);
  }

  names(tenantId: string): Promise<Set<string>> {
    return this.dataSource.manager
      .find(RoleEntity, { select: { name: true }, where: { tenant_id: tenantId } })
      .then((roles) => new Set(roles.map((r) => r.name)));
  }

  findByName(tenantId: string, name: string): Promise<RoleEntity | null> {
    return this.dataSource.manager.findOneBy(RoleEntity, { tenant_id: tenantId, name });
  }

  findById(tenantId: string, id: string): Promise<RoleEntity | null> {
    return this.dataSource.manager.findOneBy(RoleEntity, { tenant_id: tenantId, id });
  }

  create(tenantId: string, fields: RoleFields, isSystem = false, manager: EntityManager = this.dataSource.manager): Promise<RoleEntity> {
    return manager.save(manager.create(RoleEntity, { ...fields, tenant_id: tenantId, is_system: isSystem }));
  }

  /** Inserts the role unless one of that name exists; returns whether it inserted. */
  async insertIfMissing(manager: EntityManager, tenantId: string, fields: RoleFields, isSystem: boolean): Promise<boolean> {
    const result = await manager.query(
      `INSERT INTO roles (tenant_id, name, description, rules, is_system) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id`,
      [tenantId, fields.name, fields.description, JSON.stringify(fields.rules), isSystem],
    );
    return (result as unknown[]).length > 0;
  }

  async update(tenantId: string, id: string, fields: Partial<RoleFields>): Promise<RoleEntity | null> {
    await this.dataSource.manager.update(RoleEntity, { tenant_id: tenantId, id }, { ...fields, updated_at: new Date() } as never);
    return this.findById(tenantId, id);
  }

  /** Counts the users and API keys (revoked ones too: they keep their history) that hold the role, which then cannot be deleted. */
  async holders(tenantId: string, name: string): Promise<number> {
    const [{ count }] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM users WHERE tenant_id = $1 AND role = $2)
            + (SELECT count(*) FROM api_keys WHERE tenant_id = $1 AND role = $2) AS count`,
      [tenantId, name],
    );
    return Number(count);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.dataSource.manager.delete(RoleEntity, { tenant_id: tenantId, id });
  }
}
