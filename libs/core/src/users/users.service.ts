import { Injectable } from '@nestjs/common';
import { Page, PageRequest, RefreshTokensRepository, RolesRepository, TeamsRepository, UserEntity, UserFields, UserListFilter, UsersRepository } from '@helpdesk/database';
import { DomainError, FieldError } from '@helpdesk/domain';
import { hashPassword } from '../auth/passwords';
import { isUniqueViolation } from '../unique-violation';

export type CreateUserInput = Pick<UserFields, 'email' | 'name' | 'role'> &
  Partial<Omit<UserFields, 'email' | 'name' | 'role' | 'active'>> & { password?: string };
export type UpdateUserInput = Partial<UserFields> & { password?: string };

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly teams: TeamsRepository,
    private readonly refreshTokens: RefreshTokensRepository,
  ) {}

  list(tenantId: string, filter: UserListFilter, page: PageRequest): Promise<Page<UserEntity>> {
    return this.users.list(tenantId, filter, page);
  }

  async get(tenantId: string, id: string): Promise<UserEntity> {
    const user = await this.users.findById(tenantId, id);
    if (!user) throw DomainError.notFound('User');
    return user;
  }

  async create(tenantId: string, input: CreateUserInput): Promise<UserEntity> {
    await this.assertReferences(tenantId, input);
    const { password, ...fields } = input;
    const passwordHash = password ? await hashPassword(password) : null;
    return this.users
      .create(
        tenantId,
        {
          team_ids: [],
          franchise_id: null,
          region: null,
          phone: null,
          push_tokens: [],
          rate_limit: null,
          ...fields,
          email: fields.email.toLowerCase(),
          active: true,
        },
        passwordHash,
      )
      .catch(rethrowDuplicateEmail);
  }

  async update(tenantId: string, id: string, input: UpdateUserInput, actorId: string | null): Promise<UserEntity> {
    await this.get(tenantId, id);
    if (id === actorId && (input.active === false || (input.role !== undefined && input.role !== 'admin'))) {
      await this.assertNotLastAdminChange(tenantId, id);
    }
    await this.assertReferences(tenantId, input);
    const { password, ...fields } = input;
    if (fields.email) fields.email = fields.email.toLowerCase();
    const passwordHash = password ? await hashPassword(password) : undefined;
    const updated = await this.users.update(tenantId, id, fields, passwordHash).catch(rethrowDuplicateEmail);
    if (input.active === false || password) await this.refreshTokens.revokeUser(tenantId, id);
    return updated!;
  }

  /** Deactivation keeps the user (tickets and audit rows point at them) and ends their sessions. */
  deactivate(tenantId: string, id: string, actorId: string | null): Promise<UserEntity> {
    return this.update(tenantId, id, { active: false }, actorId);
  }

  private async assertNotLastAdminChange(tenantId: string, id: string): Promise<void> {
    const user = await this.get(tenantId, id);
    if (user.role === 'admin') throw new DomainError('conflict', 'Admins cannot deactivate themselves or give up their own admin role.');
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

function rethrowDuplicateEmail(error: unknown): never {
  if (isUniqueViolation(error)) throw new DomainError('conflict', 'A user with this email already exists in the tenant.');
  throw error;
}
