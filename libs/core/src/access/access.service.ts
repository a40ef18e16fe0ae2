import { Injectable } from '@nestjs/common';
import { AppAbility, buildAbility, PrincipalAttributes, RoleRule } from '@helpdesk/access';
import { RolesRepository } from '@helpdesk/database';
import { ApiKeyScope, DomainError } from '@helpdesk/domain';

const CACHE_TTL_MS = 5_000;

/**
 * Builds abilities from the roles stored in the database. Role rules are cached for a few
 * seconds per process (every request needs them); an edit in this process clears its entry at
 * once, other processes see it within the TTL.
 */
@Injectable()
export class AccessService {
  private readonly cache = new Map<string, { rules: RoleRule[]; at: number }>();

  constructor(private readonly roles: RolesRepository) {}

  async abilityFor(tenantId: string, role: string, attributes: PrincipalAttributes, scopes: ApiKeyScope[] | null): Promise<AppAbility> {
    const rules = await this.rulesOf(tenantId, role);
    return buildAbility(rules, attributes, scopes ?? undefined);
  }

  invalidate(tenantId: string, role: string): void {
    this.cache.delete(`${tenantId}:${role}`);
  }

  async rulesOf(tenantId: string, role: string): Promise<RoleRule[]> {
    const key = `${tenantId}:${role}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS) return cached.rules;
    const found = await this.roles.findByName(tenantId, role);
    if (!found) throw new DomainError('forbidden', `Role "${role}" does not exist in this tenant.`);
    this.cache.set(key, { rules: found.rules, at: Date.now() });
    return found.rules;
  }
}
