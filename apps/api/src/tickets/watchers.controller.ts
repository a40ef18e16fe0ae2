import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, RequestMeta, WatchersService } from '@helpdesk/core';
import { ApiAuthenticated, ApiProblems } from '../common/api-docs';
import { CurrentPrincipal, Meta } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { AddWatcherDto, WatcherPreferencesDto } from './dto/messages.dto';

@ApiTags('watchers')
@ApiAuthenticated()
@Controller('tickets/:id/watchers')
export class WatchersController {
  constructor(private readonly watchers: WatchersService) {}

  @Post()
  @ApiOperation({ summary: 'Watch the ticket (yourself by default; others with permission)' })
  @ApiProblems(403, 404, 409, 422)
  add(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Body() body: AddWatcherDto) {
    const { user_id, ...preferences } = body;
    return this.watchers.add(actor, id, user_id, preferences, meta);
  }

  @Get()
  @ApiProblems(403, 404)
  list(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.watchers.list(actor, id).then((data) => ({ data }));
  }

  @Patch(':userId')
  @ApiOperation({ summary: 'Change a watcher’s channel preferences' })
  @ApiProblems(403, 404, 422)
  update(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @IdParam('userId') userId: string, @Body() body: WatcherPreferencesDto) {
    return this.watchers.update(actor, id, userId, body, meta);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiProblems(403, 404)
  async remove(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @IdParam('userId') userId: string): Promise<void> {
    await this.watchers.remove(actor, id, userId, meta);
  }
}
