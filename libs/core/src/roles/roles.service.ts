import { Injectable } from '@nestjs/common';
import { RoleRule, validateRoleRules } from '@helpdesk/access';
import { Page, PageRequest, RoleEntity, RolesRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { AccessService } from '../access/access.service';
import { Actor, assertMayCreate, assertRecordAccess, readCondition } from '../access/actor';
import { isUniqueViolation } from '../unique-violation';

export interface RoleInput {
  name: string;
  description?: string;
  rules: RoleRule[];
}

/** The role every tenant needs to administer itself; editing it could lock the tenant out. */
const PROTECTED_ROLE = 'admin';

@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly access: AccessService,
  ) {}

  list(actor: Actor, page: PageRequest): Promise<Page<RoleEntity>> {
    return this.roles.list(actor.tenantId, page, readCondition(actor, 'Role', 'r'));
  }

  async get(actor: Actor, id: string): Promise<RoleEntity> {
    return assertRecordAccess(actor, 'read', 'Role', await this.roles.findById(actor.tenantId, id), 'Role');
  }

  async create(actor: Actor, input: RoleInput): Promise<RoleEntity> {
    assertMayCreate(actor, 'Role', { name: input.name }, 'Role');
    this.assertValidRules(input.rules);
    if (await this.roles.findByName(actor.tenantId, input.name)) {
      throw new DomainError('conflict', `A role named "${input.name}" already exists.`);
    }
    // The check above answers the common case; the unique index settles a concurrent creation.
    return this.roles.create(actor.tenantId, { name: input.name, description: input.description ?? '', rules: input.rules }).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw new DomainError('conflict', `A role named "${input.name}" already exists.`);
      throw error;
    });
  }

  async update(actor: Actor, id: string, input: Partial<Omit<RoleInput, 'name'>>): Promise<RoleEntity> {
    const role = assertRecordAccess(actor, 'update', 'Role', await this.roles.findById(actor.tenantId, id), 'Role');
    if (role.name === PROTECTED_ROLE) throw new DomainError('conflict', 'The admin role cannot be changed.');
    if (input.rules) this.assertValidRules(input.rules);
    const updated = await this.roles.update(actor.tenantId, id, input);
    this.access.invalidate(actor.tenantId, role.name);
    return updated!;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const role = assertRecordAccess(actor, 'delete', 'Role', await this.roles.findById(actor.tenantId, id), 'Role');
    if (role.is_system) throw new DomainError('conflict', `"${role.name}" is a seeded role and cannot be deleted.`);
    const holders = await this.roles.holders(actor.tenantId, role.name);
    if (holders > 0) throw new DomainError('conflict', `The role is held by ${holders} user(s) or API key(s).`, { holders });
    await this.roles.delete(actor.tenantId, id);
    this.access.invalidate(actor.tenantId, role.name);
  }

  private assertValidRules(rules: RoleRule[]): void {
    const errors = validateRoleRules(rules);
    if (errors.length) throw DomainError.validation(errors);
  }
}
