import { Module } from '@nestjs/common';
import { CoreModule } from '@helpdesk/core';
import { ApiKeysController } from './api-keys.controller';
import { RolesController } from './roles.controller';
import { SlaPoliciesController } from './sla-policies.controller';
import { TeamsController } from './teams.controller';
import { UsersController } from './users.controller';

@Module({ imports: [CoreModule], controllers: [UsersController, TeamsController, RolesController, SlaPoliciesController, ApiKeysController] })
export class AdminModule {}
