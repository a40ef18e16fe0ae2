import { Injectable } from '@nestjs/common';
import { RoleRule, validateRoleRules } from '@helpdesk/access';
import { Page, PageRequest, RoleEntity, RolesRepository } from '@helpdesk/database';
import { DomainError, FieldError } from '@helpdesk/domain';
import { AccessService } from '../access/access.service';
import { isUniqueViolation } from '../unique-violation';

export interface RoleInput {
  name: string;
  description?: string;
  rules: RoleRule[];
}

/** The role every tenant needs to administer itself; editing it could lock the tenant out. */
const PROTECTED_ROLE = 'admin';

/**
 * The properties of a stored rule. CASL ignores any other, so a misspelt one (`condition`) would
 * grant the rule without its conditions: refuse it instead.
 */
const RULE_PROPERTIES = ['action', 'subject', 'conditions', 'fields', 'inverted', 'reason'];

@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly access: AccessService,
  ) {}

  list(tenantId: string, page: PageRequest): Promise<Page<RoleEntity>> {
    return this.roles.list(tenantId, page);
  }

  async get(tenantId: string, id: string): Promise<RoleEntity> {
    const role = await this.roles.findById(tenantId, id);
    if (!role) throw DomainError.notFound('Role');
    return role;
  }

  async create(tenantId: string, input: RoleInput): Promise<RoleEntity> {
    this.assertValidRules(input.rules);
    if (await this.roles.findByName(tenantId, input.name)) {
      throw new DomainError('conflict', `A role named "${input.name}" already exists.`);
    }
    // The check above answers the common case; the unique index settles a concurrent creation.
    return this.roles.create(tenantId, { name: input.name, description: input.description ?? '', rules: input.rules }).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw new DomainError('conflict', `A role named "${input.name}" already exists.`);
      throw error;
    });
  }

  async update(tenantId: string, id: string, input: Partial<Omit<RoleInput, 'name'>>): Promise<RoleEntity> {
    const role = await this.get(tenantId, id);
    if (role.name === PROTECTED_ROLE) throw new DomainError('conflict', 'The admin role cannot be changed.');
    if (input.rules) this.assertValidRules(input.rules);
    const updated = await this.roles.update(tenantId, id, input);
    this.access.invalidate(tenantId, role.name);
    return updated!;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const role = await this.get(tenantId, id);
    if (role.is_system) throw new DomainError('conflict', `"${role.name}" is a seeded role and cannot be deleted.`);
    const holders = await this.roles.holders(tenantId, role.name);
    if (holders > 0) throw new DomainError('conflict', `The role is held by ${holders} user(s) or API key(s).`, { holders });
    await this.roles.delete(tenantId, id);
    this.access.invalidate(tenantId, role.name);
  }

  private assertValidRules(rules: RoleRule[]): void {
    const errors: FieldError[] = validateRoleRules(rules);
    rules.forEach((rule, index) => {
      if (typeof rule !== 'object' || rule === null) return;
      for (const property of Object.keys(rule).filter((key) => !RULE_PROPERTIES.includes(key))) {
        errors.push({ field: `rules[${index}].${property}`, message: `is not a rule property; known: ${RULE_PROPERTIES.join(', ')}` });
      }
    });
    if (errors.length) throw DomainError.validation(errors);
  }
}
