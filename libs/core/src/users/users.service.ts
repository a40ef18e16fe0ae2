import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, RefreshTokensRepository, RolesRepository, TeamsRepository, UserEntity, UserFields, UserListFilter, UsersRepository } from '@helpdesk/database';
import { subjectOf } from '@helpdesk/access';
import { DomainError, FieldError, definedFields } from '@helpdesk/domain';
import { assertMayCreate, assertRecordAccess, readCondition, Scope } from '../access/scope';
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

  async list(scope: Scope, filter: UserListFilter, page: PageRequest): Promise<Page<UserView>> {
    const found = await this.users.list(scope.tenantId, filter, page, readCondition(scope, 'User', 'u'));
    return { data: found.data.map((user) => userView(scope, user)), next_cursor: found.next_cursor };
  }

  async get(scope: Scope, id: string): Promise<UserView> {
    return userView(scope, assertRecordAccess(scope, 'read', 'User', await this.users.findById(scope.tenantId, id), 'User'));
  }

  async create(scope: Scope, input: CreateUserInput): Promise<UserEntity> {
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
    assertMayCreate(scope, 'User', fields, 'User');
    await this.assertReferences(scope.tenantId, fields);
    await this.credentials.assertWithinCallerPower(scope, { role: fields.role, scopes: null }, 'a user');
    const passwordHash = password ? await hashPassword(password) : null;
    return this.users.create(scope.tenantId, fields, passwordHash).catch(rethrowDuplicateEmail);
  }

  /**
   * Setting a password or deactivating ends the user's sessions, in the transaction that makes
   * the change: the token generation moves on (their access tokens stop working) and every
   * refresh token is revoked. Reactivating does not bring them back.
   */
  async update(scope: Scope, id: string, input: UpdateUserInput, actorId: string | null): Promise<UserEntity> {
    const user = assertRecordAccess(scope, 'update', 'User', await this.users.findById(scope.tenantId, id), 'User');
    if (id === actorId && user.role === 'admin' && (input.active === false || (input.role !== undefined && input.role !== 'admin'))) {
      throw new DomainError('conflict', 'Admins cannot deactivate themselves or give up their own admin role.');
    }
    const { password, ...fields } = definedFields(input);
    if (fields.email) fields.email = fields.email.toLowerCase();
    // The record as it would be must still be one the caller may manage (no moving users out of reach).
    assertRecordAccess(scope, 'update', 'User', { ...user, ...fields }, 'User');
    await this.assertReferences(scope.tenantId, fields);
    // A new role or password makes a credential: no more power than the caller's own.
    if (fields.role !== undefined || password) await this.credentials.assertWithinCallerPower(scope, { role: fields.role ?? user.role, scopes: null }, 'a user');
    const passwordHash = password ? await hashPassword(password) : undefined;
    const endSessions = fields.active === false || passwordHash !== undefined;
    const updated = await this.dataSource
      .transaction(async (manager) => {
        const changed = await this.users.update(scope.tenantId, id, fields, passwordHash, { endSessions, manager });
        if (endSessions) await this.refreshTokens.revokeUser(scope.tenantId, id, manager);
        return changed;
      })
      .catch(rethrowDuplicateEmail);
    this.userCache.evict(scope.tenantId, id);
    return updated!;
  }

  /** Deactivation keeps the user (tickets and audit rows point at them) and ends their sessions. */
  async deactivate(scope: Scope, id: string, actorId: string | null): Promise<UserEntity> {
    assertRecordAccess(scope, 'delete', 'User', await this.users.findById(scope.tenantId, id), 'User');
    return this.update(scope, id, { active: false }, actorId);
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

function userView(scope: Scope, user: UserEntity): UserView {
  if (scope.ability.can('update', subjectOf('User', user))) return user;
  const { phone: _phone, push_tokens: _pushTokens, ...directory } = user;
  return directory;
}

function rethrowDuplicateEmail(error: unknown): never {
  if (isUniqueViolation(error)) throw new DomainError('conflict', 'A user with this email already exists in the tenant.');
  throw error;
}
