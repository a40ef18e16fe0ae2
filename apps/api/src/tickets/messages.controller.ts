import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagesService, Principal, RequestMeta } from '@helpdesk/core';
import { ApiAuthenticated, ApiProblems } from '../common/api-docs';
import { CurrentPrincipal, Meta } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateMessageDto } from './dto/messages.dto';

@ApiTags('messages')
@ApiAuthenticated()
@Controller('tickets/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @ApiOperation({ summary: 'A public reply or an internal note' })
  @ApiProblems(403, 404, 409, 422)
  create(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Body() body: CreateMessageDto) {
    return this.messages.create(actor, id, body, meta);
  }

  @Get()
  @ApiOperation({ summary: 'Messages, oldest first; requesters never see internal notes' })
  @ApiProblems(403, 404, 422)
  list(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Query() query: PageQueryDto) {
    return this.messages.list(actor, id, query.limit, query.cursor);
  }
}
