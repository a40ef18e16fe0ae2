import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { RolesController } from './roles.controller';
import { SlaPoliciesController } from './sla-policies.controller';
import { TeamsController } from './teams.controller';
import { UsersController } from './users.controller';

@Module({ controllers: [UsersController, TeamsController, RolesController, SlaPoliciesController, ApiKeysController] })
export class AdminModule {}
