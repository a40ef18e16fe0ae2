import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EscalationService, Principal, RequestMeta, SlaViewService } from '@helpdesk/core';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, Meta } from '../common/decorators';
import { IdParam } from '../common/id-param';
import {
  DeEscalateDto,
  DeEscalateResultDto,
  EscalateDto,
  EscalateResultDto,
  EscalationDto,
  ListEscalationsQueryDto,
  TicketSlaDto,
} from './dto/escalations.dto';

@ApiTags('SLA and escalation')
@ApiAuthenticated()
@Controller()
export class EscalationsController {
  constructor(
    private readonly escalation: EscalationService,
    private readonly view: SlaViewService,
  ) {}

  @Post('tickets/:id/escalate')
  @HttpCode(200)
  @ApiResult(200, EscalateResultDto)
  @ApiOperation({
    summary: 'Escalate one step along the policy’s chain (the same path as breach escalations)',
    description:
      'Writes the escalation, audit and outbox rows in one transaction, guarded by compare-and-set on the level: 409 when from_level is given and the ticket has moved since, or when it has no SLA policy. outcome exhausted: the chain has no further step.',
  })
  @ApiProblems(403, 404, 409, 422)
  async escalate(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Body() body: EscalateDto) {
    const { outcome, escalation } = await this.escalation.escalateManually(actor, id, body.reason, body.from_level, meta);
    return { outcome, escalation };
  }

  @Post('tickets/:id/escalation/acknowledge')
  @HttpCode(200)
  @ApiResult(200, EscalationDto, 'The escalation acknowledged')
  @ApiOperation({
    summary: 'Take the current escalation in hand: no further automatic escalation for this breach',
    description: '409 when the ticket has no unacknowledged escalation.',
  })
  @ApiProblems(403, 404, 409)
  acknowledge(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string) {
    return this.escalation.acknowledge(actor, id, meta);
  }

  @Post('tickets/:id/escalation/de-escalate')
  @HttpCode(200)
  @ApiResult(200, DeEscalateResultDto)
  @ApiOperation({
    summary: 'One step back down the chain (audited)',
    description: 'Lowers escalation_level by one along the policy’s chain; 409 when the ticket is not escalated.',
  })
  @ApiProblems(403, 404, 409, 422)
  async deEscalate(@CurrentPrincipal() actor: Principal, @Meta() meta: RequestMeta, @IdParam() id: string, @Body() body: DeEscalateDto) {
    const ticket = await this.escalation.deEscalate(actor, id, body.reason, meta);
    return { ticket_id: ticket.id, escalation_level: ticket.escalation_level, owner_role: ticket.owner_role };
  }

  @Get('tickets/:id/sla')
  @ApiResult(200, TicketSlaDto)
  @ApiProblems(403)
  @ApiOperation({
    summary: 'The ticket’s SLA: policy version, targets with remaining business minutes, event log, escalations',
    description: 'Remaining minutes are counted in business time where the policy has a calendar.',
  })
  @ApiProblems(404)
  sla(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.view.ticketSla(actor, id);
  }

  @Get('escalations')
  @ApiPage(EscalationDto)
  @ApiOperation({
    summary: 'Recent escalations of the tickets the caller may see, newest first',
    description: 'Filtered by trigger, ticket and since; only escalations of tickets the caller may read.',
  })
  @ApiProblems(403, 422)
  list(@CurrentPrincipal() actor: Principal, @Query() query: ListEscalationsQueryDto) {
    const { limit, cursor, ...filter } = query;
    return this.view.recentEscalations(actor, filter, limit, cursor);
  }
}
