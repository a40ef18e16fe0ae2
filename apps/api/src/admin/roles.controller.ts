import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
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
  @RequirePermission('create', 'Role')
  @ApiResult(201, RoleDto)
  @ApiProblems(409, 422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateRoleDto) {
    return this.roles.create(principal, body);
  }

  @Get()
  @RequirePermission('read', 'Role')
  @ApiPage(RoleDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.roles.list(principal, query);
  }

  @Get(':id')
  @RequirePermission('read', 'Role')
  @ApiResult(200, RoleDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.roles.get(principal, id);
  }

  @Patch(':id')
  @RequirePermission('update', 'Role')
  @ApiResult(200, RoleDto)
  @ApiProblems(404, 409, 422)
  update(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() body: UpdateRoleDto) {
    return this.roles.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('delete', 'Role')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404, 409)
  async remove(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.roles.delete(principal, id);
  }
}
