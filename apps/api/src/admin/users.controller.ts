import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, UsersService } from '@helpdesk/core';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, RequirePermission } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserDto } from './dto/users.dto';

@ApiTags('admin: users')
@ApiAuthenticated()
@ApiProblems(403)
@Controller('admin/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @RequirePermission('create', 'User')
  @ApiOperation({
    summary: 'Create a user with a role, teams, franchise, region and an admin-set password',
    description: 'Needs create on User. 409 when the email is taken in the tenant. phone and push_tokens are shown only to callers who may update the user.',
  })
  @ApiResult(201, UserDto)
  @ApiProblems(409, 422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserDto) {
    return this.users.create(principal, body);
  }

  @Get()
  @RequirePermission('read', 'User')
  @ApiOperation({
    summary: 'List users (keyset pagination)',
    description: 'Filter by role, team and active; phone and push_tokens only for users the caller may update.',
  })
  @ApiPage(UserDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListUsersQueryDto) {
    const { limit, cursor, ...filter } = query;
    return this.users.list(principal, filter, { limit, cursor });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user', description: 'phone and push_tokens only when the caller may update the user.' })
  @RequirePermission('read', 'User')
  @ApiResult(200, UserDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.users.get(principal, id);
  }

  @Patch(':id')
  @RequirePermission('update', 'User')
  @ApiOperation({
    summary: 'Update a user; setting a password or deactivating ends their sessions',
    description: '409 when the email is taken, or when admins would give up their own admin role or deactivate themselves.',
  })
  @ApiResult(200, UserDto)
  @ApiProblems(404, 409, 422)
  update(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() body: UpdateUserDto) {
    return this.users.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('delete', 'User')
  @ApiOperation({
    summary: 'Deactivate a user (kept for history with active false; sessions revoked)',
    description: '409 for the caller’s own account: admins cannot deactivate themselves.',
  })
  @ApiNoContentResponse({ description: 'Deactivated' })
  @ApiProblems(404, 409)
  async deactivate(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.users.deactivate(principal, id);
  }
}
