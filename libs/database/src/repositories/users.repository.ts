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
export type UserWithPassword = UserEntity & { password_hash: string | null; tenant_slug: string; token_version: number };

/** The user behind an access token, with what decides whether the token's session still holds. */
export interface SessionUser {
  user: UserEntity;
  /** The user's current token generation (`users.token_version`). */
  tokenVersion: number;
  /** The session (refresh-token family) belongs to the user, and none of its tokens was revoked. */
  sessionLive: boolean;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `access` is the caller's read condition on alias `u`. */
  list(tenantId: string, filter: UserListFilter, page: PageRequest, access: AccessCondition): Promise<Page<UserEntity>> {
    const query = this.dataSource.manager
      .createQueryBuilder(UserEntity, 'u')
      .where('u.tenant_id = :tenantId', { tenantId })
      .andWhere(`(${access.sql})`, access.params);
    if (filter.role) query.andWhere('u.role = :role', { role: filter.role });
    if (filter.team_id) query.andWhere(':teamId = ANY(u.team_ids)', { teamId: filter.team_id });
    if (filter.active !== undefined) query.andWhere('u.active = :active', { active: filter.active });
    return keysetPage(query, 'users', tenantId, page);
  }

  findById(tenantId: string, id: string): Promise<UserEntity | null> {
    return this.dataSource.manager.findOneBy(UserEntity, { tenant_id: tenantId, id });
  }

  /** Whether the tenant has a user with this email, compared case-insensitively. */
  async existsWithEmail(manager: EntityManager, tenantId: string, email: string): Promise<boolean> {
    const rows: unknown[] = await manager.query('SELECT 1 FROM users WHERE tenant_id = $1 AND lower(email) = lower($2)', [tenantId, email]);
    return rows.length > 0;
  }

  /**
   * The user and the state of one of their sessions (a refresh-token family) in one query: what
   * every request with an access token needs (through UserCache).
   */
  async findForSession(tenantId: string, id: string, sessionId: string, manager: EntityManager = this.dataSource.manager): Promise<SessionUser | null> {
    const { entities, raw } = await manager
      .createQueryBuilder(UserEntity, 'u')
      .addSelect('u.token_version', 'current_token_version')
      .addSelect(
        `EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = :sessionId AND r.tenant_id = u.tenant_id AND r.user_id = u.id)
         AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = :sessionId AND r.revoked_at IS NOT NULL)`,
        'session_live',
      )
      .where('u.tenant_id = :tenantId AND u.id = :id', { tenantId, id, sessionId })
      .getRawAndEntities<{ current_token_version: number; session_live: boolean }>();
    if (!entities[0] || !raw[0]) return null;
    return { user: entities[0], tokenVersion: Number(raw[0].current_token_version), sessionLive: raw[0].session_live === true };
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
    const rows: Array<{ password_hash: string | null }> = await this.dataSource.query('SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
    return rows[0]?.password_hash ?? null;
  }

  async create(tenantId: string, fields: UserFields, passwordHash: string | null, manager: EntityManager = this.dataSource.manager): Promise<UserEntity> {
    const saved = await manager.save(manager.create(UserEntity, { ...fields, tenant_id: tenantId, password_hash: passwordHash }));
    delete (saved as Partial<UserEntity>).password_hash;
    return saved;
  }

  /**
   * `endSessions` moves the user's token generation on in the same statement, so that every
   * access token issued before stops working (pair it with revoking the refresh tokens, in the
   * same transaction).
   */
  async update(
    tenantId: string,
    id: string,
    fields: Partial<UserFields>,
    passwordHash?: string,
    { endSessions = false, manager = this.dataSource.manager }: { endSessions?: boolean; manager?: EntityManager } = {},
  ): Promise<UserEntity | null> {
    const changes: Record<string, unknown> = { ...fields, updated_at: new Date() };
    if (passwordHash !== undefined) changes.password_hash = passwordHash;
    if (endSessions) changes.token_version = () => 'token_version + 1';
    await manager.update(UserEntity, { tenant_id: tenantId, id }, changes);
    return manager.findOneBy(UserEntity, { tenant_id: tenantId, id });
  }

  async recordLogin(tenantId: string, id: string): Promise<void> {
    await this.dataSource.query('UPDATE users SET last_login_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }
}
