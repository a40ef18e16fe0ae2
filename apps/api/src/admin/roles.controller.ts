import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, RolesService } from '@helpdesk/core';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, RequirePermission } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateRoleDto, RoleDto, UpdateRoleDto } from './dto/roles.dto';

@ApiTags('admin: roles')
@ApiAuthenticated()
@ApiProblems(403)
@Controller('admin/roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a role',
    description:
      'A role is a set of CASL rules with `${user.x}` placeholders in its conditions; lists and single records are filtered by them. 409 when the name is taken.',
  })
  @RequirePermission('create', 'Role')
  @ApiResult(201, RoleDto)
  @ApiProblems(409, 422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateRoleDto) {
    return this.roles.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List roles (keyset pagination)', description: 'Seeded roles (is_system) and the tenant’s own.' })
  @RequirePermission('read', 'Role')
  @ApiPage(RoleDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.roles.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One role', description: 'The role with its rules.' })
  @RequirePermission('read', 'Role')
  @ApiResult(200, RoleDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.roles.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a role’s description or rules',
    description: 'Takes effect on the next request of every user and key holding the role. 409 for the admin role, which cannot be edited.',
  })
  @RequirePermission('update', 'Role')
  @ApiResult(200, RoleDto)
  @ApiProblems(404, 409, 422)
  update(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() body: UpdateRoleDto) {
    return this.roles.update(principal, id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a role', description: '409 while users or API keys hold it, or for a seeded role.' })
  @HttpCode(204)
  @RequirePermission('delete', 'Role')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404, 409)
  async remove(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.roles.delete(principal, id);
  }
}
