import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { DatabaseModule } from '@helpdesk/database';
import { AccessService } from './access/access.service';
import { CredentialPolicy } from './access/credential-policy';
import { UserCache } from './access/user-cache';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthService } from './auth/auth.service';
import { RolesService } from './roles/roles.service';
import { SlaPoliciesService } from './sla-policies/sla-policies.service';
import { TeamsService } from './teams/teams.service';
import { TenantProvisioningService } from './tenants/tenant-provisioning.service';
import { UsersService } from './users/users.service';

const USE_CASES = [
  AccessService,
  CredentialPolicy,
  UserCache,
  AuthService,
  ApiKeysService,
  RolesService,
  TeamsService,
  UsersService,
  SlaPoliciesService,
  TenantProvisioningService,
];

/** Identity, access and tenant administration: what both apps and the CLI run. Needs the (global) ConfigModule. */
@Module({
  imports: [JwtModule.register({}), DatabaseModule],
  providers: USE_CASES,
  exports: USE_CASES,
})
export class CoreModule {}
