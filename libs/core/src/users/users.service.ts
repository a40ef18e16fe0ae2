import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  Page,
  PageRequest,
  RefreshTokensRepository,
  RolesRepository,
  TeamsRepository,
  UserEntity,
  UserFields,
  UserListFilter,
  UsersRepository,
} from '@helpdesk/database';
import { subjectOf } from '@helpdesk/access';
import { DomainError, FieldError, definedFields } from '@helpdesk/domain';
import { Actor, assertMayCreate, assertRecordAccess, readCondition, userIdOf } from '../access/actor';
import { hashPassword } from '../auth/passwords';
import { UserCache } from '../access/user-cache';
import { CredentialPolicy } from '../access/credential-policy';
import { isUniqueViolation } from '../unique-violation';

export type CreateUserInput = Pick<UserFields, 'email' | 'name' | 'role'> &
  Partial<Omit<UserFields, 'email' | 'name' | 'role' | 'active'>> & { password?: string };
export type UpdateUserInput = Partial<UserFields> & { password?: string | null };

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly teams: TeamsRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly userCache: UserCache,
    private readonly credentials: CredentialPolicy,
    private readonly dataSource: DataSource,
  ) {}

  async list(actor: Actor, filter: UserListFilter, page: PageRequest): Promise<Page<UserView>> {
    const found = await this.users.list(actor.tenantId, filter, page, readCondition(actor, 'User', 'u'));
    return { data: found.data.map((user) => userView(actor, user)), next_cursor: found.next_cursor };
  }

  async get(actor: Actor, id: string): Promise<UserView> {
    return userView(actor, assertRecordAccess(actor, 'read', 'User', await this.users.findById(actor.tenantId, id), 'User'));
  }

  async create(actor: Actor, input: CreateUserInput): Promise<UserEntity> {
    const { password, ...rest } = input;
    const fields: UserFields = {
      team_ids: [],
      franchise_id: null,
      region: null,
      phone: null,
      push_tokens: [],
      rate_limit: null,
      ...rest,
      email: rest.email.toLowerCase(),
      active: true,
    };
    assertMayCreate(actor, 'User', fields, 'User');
    await this.assertReferences(actor.tenantId, fields);
    await this.credentials.assertWithinCallerPower(actor, { role: fields.role, scopes: null }, 'a user');
    const passwordHash = password ? await hashPassword(password) : null;
    return this.users.create(actor.tenantId, fields, passwordHash).catch(rethrowDuplicateEmail);
  }

  /**
   * Setting a password or deactivating ends the user's sessions, in the transaction that makes
   * the change: the token generation moves on (their access tokens stop working) and every
   * refresh token is revoked. Reactivating does not bring them back.
   */
  async update(actor: Actor, id: string, input: UpdateUserInput): Promise<UserEntity> {
    const user = assertRecordAccess(actor, 'update', 'User', await this.users.findById(actor.tenantId, id), 'User');
    if (id === userIdOf(actor) && user.role === 'admin' && (input.active === false || (input.role !== undefined && input.role !== 'admin'))) {
      throw new DomainError('conflict', 'Admins cannot deactivate themselves or give up their own admin role.');
    }
    const { password, ...fields } = definedFields(input);
    if (fields.email) fields.email = fields.email.toLowerCase();
    // The record as it would be must still be one the caller may manage (no moving users out of reach).
    assertRecordAccess(actor, 'update', 'User', { ...user, ...fields }, 'User');
    await this.assertReferences(actor.tenantId, fields);
    // A new role or password makes a credential: no more power than the caller's own.
    if (fields.role !== undefined || password)
      await this.credentials.assertWithinCallerPower(actor, { role: fields.role ?? user.role, scopes: null }, 'a user');
    const passwordHash = password ? await hashPassword(password) : undefined;
    const endSessions = fields.active === false || passwordHash !== undefined;
    const updated = await this.dataSource
      .transaction(async (manager) => {
        const changed = await this.users.update(actor.tenantId, id, fields, passwordHash, { endSessions, manager });
        if (endSessions) await this.refreshTokens.revokeUser(actor.tenantId, id, manager);
        return changed;
      })
      .catch(rethrowDuplicateEmail);
    this.userCache.evict(actor.tenantId, id);
    return updated!;
  }

  /** Deactivation keeps the user (tickets and audit rows point at them) and ends their sessions. */
  async deactivate(actor: Actor, id: string): Promise<UserEntity> {
    assertRecordAccess(actor, 'delete', 'User', await this.users.findById(actor.tenantId, id), 'User');
    return this.update(actor, id, { active: false });
  }

  private async assertReferences(tenantId: string, input: { role?: string; team_ids?: string[] }): Promise<void> {
    const errors: FieldError[] = [];
    if (input.role !== undefined && !(await this.roles.findByName(tenantId, input.role))) {
      errors.push({ field: 'role', message: `role "${input.role}" does not exist` });
    }
    if (input.team_ids?.length) {
      const known = await this.teams.existing(tenantId, input.team_ids);
      const missing = input.team_ids.filter((teamId) => !known.has(teamId));
      if (missing.length) errors.push({ field: 'team_ids', message: `unknown team(s): ${missing.join(', ')}` });
    }
    if (errors.length) throw DomainError.validation(errors);
  }
}

/** Contact details (phone, push tokens) are for those who manage the user; the directory shows the rest. */
export type UserView = Omit<UserEntity, 'phone' | 'push_tokens'> & Partial<Pick<UserEntity, 'phone' | 'push_tokens'>>;

function userView(actor: Actor, user: UserEntity): UserView {
  if (actor.ability.can('update', subjectOf('User', user))) return user;
  const { phone: _phone, push_tokens: _pushTokens, ...directory } = user;
  return directory;
}

function rethrowDuplicateEmail(error: unknown): never {
  if (isUniqueViolation(error)) throw new DomainError('conflict', 'A user with this email already exists in the tenant.');
  throw error;
}
