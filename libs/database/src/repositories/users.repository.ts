import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { UserEntity } from '../entities';
import { keysetPage, Page, PageRequest } from '../pagination';
import type { AccessCondition } from '../sql';

export interface UserFields {
  email: string;
  name: string;
  role: string;
  team_ids: string[];
  franchise_id: string | null;
  region: string | null;
  phone: string | null;
  push_tokens: string[];
  rate_limit: number | null;
  active: boolean;
}

export interface UserListFilter {
  role?: string;
  team_id?: string;
  active?: boolean;
}

/** A user with the password hash, for login only. */
export type UserWithPassword = UserEntity & { password_hash: string | null; tenant_slug: string };

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `access` is the caller's read condition on alias `u`. */
  list(tenantId: string, filter: UserListFilter, page: PageRequest, access: AccessCondition): Promise<Page<UserEntity>> {
    const query = this.dataSource.manager.createQueryBuilder(UserEntity, 'u').where('u.tenant_id = :tenantId', { tenantId }).andWhere(`(${access.sql})`, access.params);
    if (filter.role) query.andWhere('u.role = :role', { role: filter.role });
    if (filter.team_id) query.andWhere(':teamId = ANY(u.team_ids)', { teamId: filter.team_id });
    if (filter.active !== undefined) query.andWhere('u.active = :active', { active: filter.active });
    return keysetPage(query, 'users', tenantId, page);
  }

  findById(tenantId: string, id: string): Promise<UserEntity | null> {
    return this.dataSource.manager.findOneBy(UserEntity, { tenant_id: tenantId, id });
  }

  findByEmail(tenantId: string, email: string): Promise<UserEntity | null> {
    return this.dataSource.manager
      .createQueryBuilder(UserEntity, 'u')
      .where('u.tenant_id = :tenantId AND lower(u.email) = lower(:email)', { tenantId, email })
      .getOne();
  }

  /** Login candidates across tenants (emails are unique per tenant only), narrowed by tenant slug when given. */
  async findForLogin(email: string, tenantSlug?: string): Promise<UserWithPassword[]> {
    const rows: UserWithPassword[] = await this.dataSource.query(
      `SELECT u.*, t.slug AS tenant_slug FROM users u JOIN tenants t ON t.id = u.tenant_id
       WHERE lower(u.email) = lower($1) AND ($2::text IS NULL OR t.slug = $2) LIMIT 10`,
      [email, tenantSlug ?? null],
    );
    return rows;
  }

  async passwordHash(tenantId: string, id: string): Promise<string | null> {
    const rows: Array<{ password_hash: string | null }> = await this.dataSource.query(
      'SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0]?.password_hash ?? null;
  }

  async create(tenantId: string, fields: UserFields, passwordHash: string | null, manager: EntityManager = this.dataSource.manager): Promise<UserEntity> {
    const saved = await manager.save(manager.create(UserEntity, { ...fields, tenant_id: tenantId, password_hash: passwordHash }));
    delete (saved as Partial<UserEntity>).password_hash;
    return saved;
  }

  async update(tenantId: string, id: string, fields: Partial<UserFields>, passwordHash?: string): Promise<UserEntity | null> {
    const changes: Record<string, unknown> = { ...fields, updated_at: new Date() };
    if (passwordHash !== undefined) changes.password_hash = passwordHash;
    await this.dataSource.manager.update(UserEntity, { tenant_id: tenantId, id }, changes);
    return this.findById(tenantId, id);
  }

  async recordLogin(tenantId: string, id: string): Promise<void> {
    await this.dataSource.query('UPDATE users SET last_login_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }
}
