import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagesService, Principal, RequestMeta } from '@helpdesk/core';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, Meta } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { PageQueryDto } from '../common/pagination.dto';
import { CreateMessageDto, MessageDto } from './dto/messages.dto';

@ApiTags('messages')
@ApiAuthenticated()
@Controller('tickets/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @ApiOperation({
    summary: 'A public reply or an internal note',
    description:
      'internal: true makes it a note requesters never see. The first public agent reply records first_responded_at; a requester reply on an awaiting ticket moves it back to open. 409 on an archived ticket.',
  })
  @ApiResult(201, MessageDto)
  @ApiProblems(403, 404, 409, 422)
  create(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Body() body: CreateMessageDto) {
    return this.messages.create(actor, id, body, meta);
  }

  @Get()
  @ApiOperation({
    summary: 'Messages, oldest first; requesters never see internal notes',
    description: 'Keyset pages, oldest first; internal notes only for callers who may read them.',
  })
  @ApiPage(MessageDto)
  @ApiProblems(403, 404, 422)
  list(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Query() query: PageQueryDto) {
    return this.messages.list(actor, id, query.limit, query.cursor);
  }
}
