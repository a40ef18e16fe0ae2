import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_ROLE_DESCRIPTIONS, DEFAULT_ROLE_RULES } from '@helpdesk/access';
import {
  holdTransactionLock,
  RolesRepository,
  SlaPoliciesRepository,
  TeamsRepository,
  TenantEntity,
  TenantsRepository,
  UserEntity,
  UsersRepository,
} from '@helpdesk/database';
import { DEFAULT_PAUSE_STATUSES, DEFAULT_SLA_POLICIES, DomainError, SEEDED_ROLES } from '@helpdesk/domain';
import { generatePassword, hashPassword } from '../auth/passwords';

export interface ProvisionTenantInput {
  name: string;
  slug: string;
  adminEmail: string;
  adminPassword?: string | null;
}

export interface ProvisionedTenant {
  tenant: TenantEntity;
  admin: UserEntity;
  /** The admin's password when this call generated it; shown once, never stored in clear. */
  generatedPassword: string | null;
}

export interface DemoSeedResult {
  tenant: TenantEntity;
  adminEmail: string;
  /** Set only on the run that created the admin (generated or from SEED_ADMIN_PASSWORD). */
  password: string | null;
  demoUsers: Array<{ email: string; role: string }>;
}

export const DEMO_TENANT = { name: 'Demo Company', slug: 'demo' };
const DEMO_TEAMS = ['Support', 'Operations North', 'Operations South'];
const SEED_LOCK = 'helpdesk:seed';

@Injectable()
export class TenantProvisioningService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsRepository,
    private readonly roles: RolesRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly users: UsersRepository,
    private readonly teams: TeamsRepository,
  ) {}

  /** A new tenant with the seeded roles, the default SLA policies and its first admin, all or nothing. */
  async provision(input: ProvisionTenantInput): Promise<ProvisionedTenant> {
    return this.dataSource.transaction(async (manager) => {
      await holdTransactionLock(manager, SEED_LOCK);
      if (await this.tenants.findBySlug(input.slug, manager)) {
        throw new DomainError('conflict', `A tenant with slug "${input.slug}" already exists.`);
      }
      const tenant = await this.tenants.create(manager, input.name, input.slug);
      await this.seedDefaults(manager, tenant.id);
      const password = input.adminPassword ?? generatePassword();
      const admin = await this.createUser(manager, tenant.id, input.adminEmail, 'Administrator', 'admin', password);
      return { tenant, admin, generatedPassword: input.adminPassword ? null : password };
    });
  }

  /**
   * The demo tenant that `npm start` seeds. Safe to run any number of times, concurrently too:
   * whatever exists is kept, whatever is missing is added.
   */
  async seedDemo(adminEmail: string, adminPassword: string | null): Promise<DemoSeedResult> {
    return this.dataSource.transaction(async (manager) => {
      await holdTransactionLock(manager, SEED_LOCK);
      const tenant = (await this.tenants.findBySlug(DEMO_TENANT.slug, manager)) ?? (await this.tenants.create(manager, DEMO_TENANT.name, DEMO_TENANT.slug));
      await this.seedDefaults(manager, tenant.id);
      const teamIds = await this.seedTeams(manager, tenant.id);
      if (await this.users.existsWithEmail(manager, tenant.id, adminEmail)) return { tenant, adminEmail, password: null, demoUsers: [] };

      const password = adminPassword ?? generatePassword();
      await this.createUser(manager, tenant.id, adminEmail, 'Demo Admin', 'admin', password);
      const demoUsers: DemoSeedResult['demoUsers'] = [];
      for (const role of SEEDED_ROLES.filter((r) => r !== 'admin')) {
        const email = `${role.replace(/_/g, '.')}@demo.helpdesk.local`;
        if (await this.users.existsWithEmail(manager, tenant.id, email)) continue;
        await this.createUser(manager, tenant.id, email, `Demo ${role}`, role, password, {
          team_ids: role.startsWith('ops_') ? [teamIds[1]] : role === 'hq_support' ? [teamIds[0]] : [],
          franchise_id: role === 'franchise_agent' ? 'franchise-001' : null,
          region: role === 'regional_manager' ? 'north' : null,
        });
        demoUsers.push({ email, role });
      }
      return { tenant, adminEmail, password, demoUsers };
    });
  }

  private async seedDefaults(manager: EntityManager, tenantId: string): Promise<void> {
    for (const name of SEEDED_ROLES) {
      await this.roles.insertIfMissing(manager, tenantId, { name, description: DEFAULT_ROLE_DESCRIPTIONS[name], rules: DEFAULT_ROLE_RULES[name] }, true);
    }
    for (const policy of DEFAULT_SLA_POLICIES) {
      if (await this.policies.findCurrent(tenantId, policy.priority, manager)) continue;
      const { priority, ...terms } = policy;
      await this.policies.putNewVersion(
        tenantId,
        priority,
        {
          ...terms,
          next_reply_minutes: null,
          near_breach_minutes: null,
          reescalation_minutes: null,
          business_hours: null,
          pause_statuses: DEFAULT_PAUSE_STATUSES,
        },
        null,
        manager,
      );
    }
  }

  private async seedTeams(manager: EntityManager, tenantId: string): Promise<string[]> {
    const ids: string[] = [];
    for (const name of DEMO_TEAMS) {
      ids.push(await this.teams.ensureNamed(manager, tenantId, name));
    }
    return ids;
  }

  private async createUser(
    manager: EntityManager,
    tenantId: string,
    email: string,
    name: string,
    role: string,
    password: string,
    extra: { team_ids?: string[]; franchise_id?: string | null; region?: string | null } = {},
  ): Promise<UserEntity> {
    return this.users.create(
      tenantId,
      {
        email: email.toLowerCase(),
        name,
        role,
        team_ids: extra.team_ids ?? [],
        franchise_id: extra.franchise_id ?? null,
        region: extra.region ?? null,
        phone: null,
        push_tokens: [],
        rate_limit: null,
        active: true,
      },
      await hashPassword(password),
      manager,
    );
  }
}
