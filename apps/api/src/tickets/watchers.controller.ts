import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, RequestMeta, WatchersService } from '@helpdesk/core';
import { ApiAuthenticated, ApiList, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, Meta } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { AddWatcherDto, WatcherDto, WatcherPreferencesDto } from './dto/messages.dto';

@ApiTags('watchers')
@ApiAuthenticated()
@Controller('tickets/:id/watchers')
export class WatchersController {
  constructor(private readonly watchers: WatchersService) {}

  @Post()
  @ApiOperation({ summary: 'Watch the ticket (yourself by default; others with permission)', description: '409 when the user already watches the ticket.' })
  @ApiResult(201, WatcherDto)
  @ApiProblems(403, 404, 409, 422)
  add(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Body() body: AddWatcherDto) {
    const { user_id, ...preferences } = body;
    return this.watchers.add(actor, id, user_id, preferences, meta);
  }

  @Get()
  @ApiOperation({ summary: 'The ticket’s watchers', description: 'Each watcher with the channels they chose.' })
  @ApiList(WatcherDto)
  @ApiProblems(403, 404)
  list(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.watchers.list(actor, id).then((data) => ({ data }));
  }

  @Patch(':userId')
  @ApiOperation({ summary: 'Change a watcher’s channel preferences', description: 'Only the channels sent change.' })
  @ApiResult(200, WatcherDto)
  @ApiProblems(403, 404, 409, 422)
  update(
    @CurrentPrincipal() actor: Principal,
    @Meta() meta: RequestMeta,
    @IdParam() id: string,
    @IdParam('userId') userId: string,
    @Body() body: WatcherPreferencesDto,
  ) {
    return this.watchers.update(actor, id, userId, body, meta);
  }

  @Delete(':userId')
  @ApiOperation({ summary: 'Stop watching', description: 'Yourself by default; another watcher with permission.' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'No longer watching' })
  @ApiProblems(403, 404, 409)
  async remove(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @IdParam('userId') userId: string): Promise<void> {
    await this.watchers.remove(actor, id, userId, meta);
  }
}
