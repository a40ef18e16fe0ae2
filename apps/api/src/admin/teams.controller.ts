import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Create a team', description: '409 when the name is taken in the tenant.' })
  @RequirePermission('create', 'Team')
  @ApiResult(201, TeamDto)
  @ApiProblems(409, 422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateTeamDto) {
    return this.teams.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List teams (keyset pagination)', description: 'The tenant’s teams.' })
  @RequirePermission('read', 'Team')
  @ApiPage(TeamDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.teams.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One team', description: 'The team’s name and description.' })
  @RequirePermission('read', 'Team')
  @ApiResult(200, TeamDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.teams.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename or describe a team', description: '409 when the new name is taken in the tenant.' })
  @RequirePermission('update', 'Team')
  @ApiResult(200, TeamDto)
  @ApiProblems(404, 409, 422)
  update(@CurrentPrincipal() principal: Principal, @IdParam() id: string, @Body() body: UpdateTeamDto) {
    return this.teams.update(principal, id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a team', description: 'Its members lose the team; tickets keep their history.' })
  @HttpCode(204)
  @RequirePermission('delete', 'Team')
  @ApiNoContentResponse({ description: 'Deleted; members lose the team' })
  @ApiProblems(404)
  async remove(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.teams.delete(principal, id);
  }
}
