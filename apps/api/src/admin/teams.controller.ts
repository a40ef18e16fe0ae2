import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { Principal, TeamsService } from '@helpdesk/core';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, RequirePermission } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateTeamDto, TeamDto, UpdateTeamDto } from './dto/teams.dto';

@ApiTags('admin: teams')
@ApiAuthenticated()
@ApiProblems(403)
@Controller('admin/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post()
  @RequirePermission('create', 'Team')
  @ApiResult(201, TeamDto)
  @ApiProblems(409, 422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateTeamDto) {
    return this.teams.create(principal, body);
  }

  @Get()
  @RequirePermission('read', 'Team')
  @ApiPage(TeamDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.teams.list(principal, query);
  }

  @Get(':id')
  @RequirePermission('read', 'Team')
  @ApiResult(200, TeamDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.teams.get(principal, id);
  }

  @Patch(':id')
  @RequirePermission('update', 'Team')
  @ApiResult(200, TeamDto)
  @ApiProblems(404, 409, 422)
  update(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() body: UpdateTeamDto) {
    return this.teams.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('delete', 'Team')
  @ApiNoContentResponse({ description: 'Deleted; members lose the team' })
  @ApiProblems(404)
  async remove(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.teams.delete(principal, id);
  }
}
