import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RouteSchema } from '@nestjs/platform-fastify';
import { FastifyReply } from 'fastify';
import { ArchiveTicket, AssignTicket, CreateTicket, Principal, RequestMeta, TicketsService, TicketView, UpdateTicket } from '@helpdesk/core';
import { TicketSort } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, Meta, RequirePermission } from '../common/decorators';
import { etagOf, versionFromIfMatch } from '../common/etag';
import { IdParam } from '../common/id-param';
import { TICKET_PAGE_SCHEMA, TICKET_SCHEMA, TicketDto, TicketPageDto } from './ticket.schema';
import { AuditChainReportDto, AuditEntryDto } from './dto/audit.dto';
import { AssignTicketDto, AuditQueryDto, CreateTicketDto, ListTicketsQueryDto, UpdateTicketDto } from './dto/tickets.dto';

function withEtag(reply: FastifyReply, ticket: TicketView): TicketView {
  if (ticket.version !== undefined) void reply.header('etag', etagOf(ticket.version));
  return ticket;
}

@ApiTags('tickets')
@ApiAuthenticated()
@Controller('tickets')
export class TicketsController {
  constructor(
    private readonly tickets: TicketsService,
    private readonly createTicket: CreateTicket,
    private readonly updateTicket: UpdateTicket,
    private readonly assignTicket: AssignTicket,
    private readonly archiveTicket: ArchiveTicket,
  ) {}

  @Post()
  @RouteSchema({ response: { 200: TICKET_SCHEMA, 201: TICKET_SCHEMA } })
  @RequirePermission('create', 'Ticket')
  @ApiOperation({
    summary: 'Raise a ticket; due dates come from the SLA policy of its priority',
    description:
      'Answers 201 with Location and ETag; the same Idempotency-Key with the same body (or a known source and source_id) answers 200 with the earlier ticket, another body 422.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body: same answer; same key, other body: 422' })
  @ApiResult(201, TicketDto, 'Created; Location and ETag headers set')
  @ApiResult(200, TicketDto, 'An earlier ticket with the same source_id or Idempotency-Key')
  @ApiProblems(403, 409, 422)
  async create(
    @CurrentPrincipal() actor: Principal,
    @Meta() meta: RequestMeta,
    @Body() body: CreateTicketDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
      throw DomainError.validation([{ field: 'Idempotency-Key', message: 'must be 1-255 characters' }]);
    }
    const result = await this.createTicket.execute(actor, body, { idempotencyKey }, meta);
    void reply.status(result.created ? 201 : 200).header('location', `/api/v1/tickets/${result.ticket.id}`);
    return withEtag(reply, result.ticket);
  }

  @Get()
  @RouteSchema({ response: { 200: TICKET_PAGE_SCHEMA } })
  @RequirePermission('read', 'Ticket')
  @ApiOperation({
    summary: 'Tickets the caller may see, filtered, searched and sorted, by keyset pages',
    description:
      'Filtered in SQL by the caller’s role, so pages and counts hold only what the caller may see; `q` is a full-text search. A sensitive ticket shows no description or metadata in lists.',
  })
  @ApiResult(200, TicketPageDto, 'One page; next_cursor is null on the last')
  @ApiProblems(403, 422)
  list(@CurrentPrincipal() actor: Principal, @Query() query: ListTicketsQueryDto) {
    const { limit, cursor, sort = '-created_at', ...filter } = query;
    const descending = sort.startsWith('-');
    return this.tickets.list(actor, { filter, limit, cursor, sort: sort.replace(/^-/, '') as TicketSort, descending });
  }

  @Get(':id')
  @RouteSchema({ response: { 200: TICKET_SCHEMA } })
  @ApiOperation({
    summary: 'One ticket, with its version as ETag; viewing a sensitive ticket is audited',
    description: 'Fields the caller’s role may not read are left out.',
  })
  @ApiResult(200, TicketDto, 'The ticket; ETag header set')
  @ApiProblems(404)
  async get(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withEtag(reply, await this.tickets.get(actor, id, meta));
  }

  @Patch(':id')
  @RouteSchema({ response: { 200: TICKET_SCHEMA } })
  @ApiOperation({
    summary: 'Change fields or status; needs If-Match with the current ETag',
    description:
      'A status change must follow the lifecycle (409 with the allowed targets otherwise, or on an archived ticket); a stale If-Match is 412, a missing one 428.',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the version being changed' })
  @ApiResult(200, TicketDto, 'The changed ticket; ETag header set')
  @ApiProblems(403, 404, 409, 412, 422, 428)
  async update(
    @CurrentPrincipal() actor: Principal,
    @Meta() meta: RequestMeta,
    @IdParam() id: string,
    @Body() body: UpdateTicketDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, await this.updateTicket.execute(actor, id, body, versionFromIfMatch(ifMatch), meta));
  }

  @Post(':id/assign')
  @HttpCode(200)
  @RouteSchema({ response: { 200: TICKET_SCHEMA } })
  @ApiOperation({ summary: 'Assign to a user and/or team (null clears), with a reason', description: 'Audited with the reason. 409 on an archived ticket.' })
  @ApiResult(200, TicketDto, 'The assigned ticket; ETag header set')
  @ApiProblems(403, 404, 409, 422)
  async assign(
    @CurrentPrincipal() actor: Principal,
    @Meta() meta: RequestMeta,
    @IdParam() id: string,
    @Body() body: AssignTicketDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, await this.assignTicket.execute(actor, id, body, meta));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Archive (soft delete): the ticket leaves default lists, its history stays',
    description: 'Archived tickets are listed with archived=true; they can be read, not changed (409).',
  })
  @ApiNoContentResponse({ description: 'Archived' })
  @ApiProblems(403, 404)
  async archive(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string): Promise<void> {
    await this.archiveTicket.execute(actor, id, meta);
  }

  @Get(':id/audit')
  @ApiOperation({
    summary: 'The ticket’s audit trail: who, what (old and new values), ip, when',
    description: 'Hash-chained rows (seq, prev_hash, hash), by keyset pages.',
  })
  @ApiPage(AuditEntryDto)
  @ApiProblems(403, 404, 422)
  audit(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Query() query: AuditQueryDto) {
    return this.tickets.auditTrail(actor, id, query.limit, query.cursor);
  }

  @Get(':id/audit/verify')
  @ApiOperation({
    summary: 'Whether the audit trail’s hash chain is intact',
    description: 'Recomputes each row’s hash and link; broken_at_seq names the first row that does not match.',
  })
  @ApiResult(200, AuditChainReportDto)
  @ApiProblems(403, 404)
  verify(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.tickets.verifyAudit(actor, id);
  }
}
