import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditPage, Page, TicketAuditRepository, TicketFilter, TicketListRequest, TicketRow, TicketsRepository } from '@helpdesk/database';
import { AuditChainReport, definedFields, TicketView, verifyAuditChain } from '@helpdesk/domain';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { assertTicketReadable, ticketReadConditionFor, ticketView } from './ticket-access';
import { TicketRecorder } from './ticket-recorder';

export type { TicketView };

/**
 * Reading tickets: one, a page, an audit trail. Changes are use cases of their own
 * (CreateTicket, UpdateTicket, AssignTicket, ArchiveTicket).
 */
@Injectable()
export class TicketsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly audit: TicketAuditRepository,
    private readonly recorder: TicketRecorder,
  ) {}

  /** Reading a sensitive ticket leaves a `viewed` row in its audit trail. */
  async get(actor: Actor, id: string, meta: RequestMeta = NO_REQUEST): Promise<TicketView> {
    const ticket = assertTicketReadable(actor, await this.tickets.findById(actor.tenantId, id));
    if (ticket.is_sensitive) {
      await this.dataSource.transaction(async (manager) => {
        await this.tickets.lock(manager, actor.tenantId, id);
        await this.recorder.record(manager, originOf(actor, meta), ticket, 'viewed', {}, [], new Date());
      });
    }
    return ticketView(actor.ability, ticket);
  }

  async list(actor: Actor, request: Omit<TicketListRequest, 'access'>): Promise<Page<TicketView>> {
    const { ability } = actor;
    const fields = [request.sort, ...Object.keys(definedFields(request.filter)).flatMap((key) => FILTER_FIELDS[key as keyof TicketFilter])];
    const page = await this.tickets.list(actor.tenantId, { ...request, access: ticketReadConditionFor(ability, fields) });
    return { data: page.data.map((ticket) => listView(ability, ticket)), next_cursor: page.next_cursor };
  }

  async auditTrail(actor: Actor, id: string, limit: number, cursor?: string): Promise<AuditPage> {
    await this.assertAuditReadable(actor, id);
    return this.audit.page(actor.tenantId, id, { limit, cursor });
  }

  async verifyAudit(actor: Actor, id: string): Promise<AuditChainReport> {
    await this.assertAuditReadable(actor, id);
    return verifyAuditChain(await this.audit.chain(actor.tenantId, id));
  }

  private async assertAuditReadable(actor: Actor, id: string): Promise<void> {
    assertTicketReadable(actor, await this.tickets.findById(actor.tenantId, id));
    assertAllowed(actor.ability.can('read', 'Audit'), 'read audit trails');
  }
}

/**
 * In lists a sensitive ticket shows no description or metadata: reading those is a view of the
 * ticket, which GET /tickets/:id audits.
 */
function listView(ability: Parameters<typeof ticketView>[0], ticket: TicketRow): TicketView {
  const view = ticketView(ability, ticket);
  if (!ticket.is_sensitive) return view;
  const { description: _description, metadata: _metadata, ...rest } = view;
  return rest;
}

/** The ticket fields each list filter reads: a caller filters only on what it may see. */
const FILTER_FIELDS: Record<keyof TicketFilter, string[]> = {
  status: ['status'],
  priority: ['priority'],
  type: ['type'],
  assignee_id: ['assignee_id'],
  team_id: ['team_id'],
  owner_role: ['owner_role'],
  requester_id: ['requester_id'],
  tag: ['tags'],
  linked_type: ['linked_type'],
  linked_id: ['linked_id'],
  sla_state: ['sla_state', 'first_response_due_at', 'resolution_due_at'],
  escalated: ['escalation_level'],
  archived: ['archived'],
  created_after: ['created_at'],
  created_before: ['created_at'],
  due_before: ['resolution_due_at'],
  q: ['title', 'description'],
};
