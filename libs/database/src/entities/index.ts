import { ApiKeyEntity } from './api-key.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RoleEntity } from './role.entity';
import { SlaPolicyEntity } from './sla-policy.entity';
import { TeamEntity } from './team.entity';
import { TenantEntity } from './tenant.entity';
import { UserEntity } from './user.entity';

export { ApiKeyEntity, RefreshTokenEntity, RoleEntity, SlaPolicyEntity, TeamEntity, TenantEntity, UserEntity };
export const ENTITIES = [TenantEntity, RoleEntity, TeamEntity, UserEntity, RefreshTokenEntity, SlaPolicyEntity, ApiKeyEntity];
