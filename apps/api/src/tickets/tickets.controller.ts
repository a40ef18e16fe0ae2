import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RouteSchema } from '@nestjs/platform-fastify';
import { FastifyReply } from 'fastify';
import { RequestContext, TicketsService, TicketView } from '@helpdesk/core';
import { TicketSort } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { Ctx, RequirePermission } from '../common/decorators';
import { etagOf, versionFromIfMatch } from '../common/etag';
import { IdParam } from '../common/id-param';
import { TICKET_PAGE_SCHEMA, TICKET_SCHEMA } from './ticket.schema';
import { AuditChainReportDto, AuditEntryDto } from './dto/audit.dto';
import { AssignTicketDto, AuditQueryDto, CreateTicketDto, ListTicketsQueryDto, UpdateTicketDto } from './dto/tickets.dto';

// Until the ticket read model declares it, a ticket is documented as an object.
const TICKET_ANSWER = { type: 'object', additionalProperties: true, description: 'A ticket, with the fields the caller’s role may see' };
const TICKET_PAGE_ANSWER = { type: 'object', required: ['data', 'next_cursor'], properties: { data: { type: 'array', items: TICKET_ANSWER }, next_cursor: { type: 'string', nullable: true } } };

function withEtag(reply: FastifyReply, ticket: TicketView): TicketView {
  if (ticket.version !== undefined) void reply.header('etag', etagOf(ticket.version));
  return ticket;
}

@ApiTags('tickets')
@ApiAuthenticated()
@Controller('tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Post()
  @RequirePermission('create', 'Ticket')
  @ApiOperation({ summary: 'Raise a ticket; due dates come from the SLA policy of its priority', description: 'Answers 201 with Location and ETag; the same Idempotency-Key with the same body (or a known source and source_id) answers 200 with the earlier ticket, another body 422.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body: same answer; same key, other body: 422' })
  @ApiResult(201, TICKET_ANSWER, 'Created; Location and ETag headers set')
  @ApiResult(200, TICKET_ANSWER, 'An earlier ticket with the same source_id or Idempotency-Key')
  @ApiProblems(409)
  @ApiProblems(403, 422)
  async create(@Ctx() context: RequestContext, @Body() body: CreateTicketDto, @Headers('idempotency-key') idempotencyKey: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw DomainError.validation([{ field: 'Idempotency-Key', message: 'must be 1-255 characters' }]);
    }
    const result = await this.tickets.create(context, body, idempotencyKey);
    void reply.status(result.status).header('location', `/api/v1/tickets/${result.ticket.id}`);
    return withEtag(reply, result.ticket);
  }

  @Get()
  @RouteSchema({ response: { 200: TICKET_PAGE_SCHEMA } })
  @RequirePermission('read', 'Ticket')
  @ApiOperation({ summary: 'Tickets the caller may see, filtered, searched and sorted, by keyset pages', description: 'Filtered in SQL by the caller’s role, so pages and counts hold only what the caller may see; `q` is a full-text search.' })
  @ApiResult(200, TICKET_PAGE_ANSWER, 'One page; next_cursor is null on the last')
  @ApiProblems(403, 422)
  list(@Ctx() context: RequestContext, @Query() query: ListTicketsQueryDto) {
    const { limit, cursor, sort = '-created_at', ...filter } = query;
    const descending = sort.startsWith('-');
    return this.tickets.list(context, { filter, limit, cursor, sort: sort.replace(/^-/, '') as TicketSort, descending });
  }

  @Get(':id')
  @RouteSchema({ response: { 200: TICKET_SCHEMA } })
  @ApiOperation({ summary: 'One ticket, with its version as ETag; viewing a sensitive ticket is audited', description: 'Fields the caller’s role may not read are left out.' })
  @ApiResult(200, TICKET_ANSWER)
  @ApiProblems(404)
  async get(@Ctx() context: RequestContext, @IdParam() id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withEtag(reply, await this.tickets.get(context, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change fields or status; needs If-Match with the current ETag', description: 'A status change must follow the lifecycle (409 with the allowed targets otherwise, or on an archived ticket); a stale If-Match is 412, a missing one 428.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the version being changed' })
  @ApiResult(200, TICKET_ANSWER)
  @ApiProblems(403, 404, 409, 412, 422, 428)
  async update(@Ctx() context: RequestContext, @IdParam() id: string, @Body() body: UpdateTicketDto, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return withEtag(reply, await this.tickets.update(context, id, body, versionFromIfMatch(ifMatch)));
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign to a user and/or team (null clears), with a reason', description: 'Audited with the reason. 409 on an archived ticket.' })
  @ApiResult(200, TICKET_ANSWER)
  @ApiProblems(409)
  @ApiProblems(403, 404, 422)
  async assign(@Ctx() context: RequestContext, @IdParam() id: string, @Body() body: AssignTicketDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return withEtag(reply, await this.tickets.assign(context, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive (soft delete): the ticket leaves default lists, its history stays', description: 'Archived tickets are listed with archived=true; they can be read, not changed (409).' })
  @ApiNoContentResponse({ description: 'Archived' })
  @ApiProblems(403, 404)
  async archive(@Ctx() context: RequestContext, @IdParam() id: string): Promise<void> {
    await this.tickets.archive(context, id);
  }

  @Get(':id/audit')
  @ApiOperation({ summary: 'The ticket’s audit trail: who, what (old and new values), ip, when', description: 'Hash-chained rows (seq, prev_hash, hash), by keyset pages.' })
  @ApiPage(AuditEntryDto)
  @ApiProblems(403, 404, 422)
  audit(@Ctx() context: RequestContext, @IdParam() id: string, @Query() query: AuditQueryDto) {
    return this.tickets.auditTrail(context, id, query.limit, query.cursor);
  }

  @Get(':id/audit/verify')
  @ApiOperation({ summary: 'Whether the audit trail’s hash chain is intact', description: 'Recomputes each row’s hash and link; broken_at_seq names the first row that does not match.' })
  @ApiResult(200, AuditChainReportDto)
  @ApiProblems(403, 404)
  verify(@Ctx() context: RequestContext, @IdParam() id: string) {
    return this.tickets.verifyAudit(context, id);
  }
}
