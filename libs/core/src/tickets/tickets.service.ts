import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  Page,
  SlaPoliciesRepository,
  TeamsRepository,
  TicketAuditRepository,
  TicketChanges,
  TicketFilter,
  TicketListRequest,
  TicketRow,
  TicketsRepository,
  TicketWatchersRepository,
  UsersRepository,
  IdempotencyRepository,
  AuditPage,
} from '@helpdesk/database';
import {
  applyStatusToClock,
  assertTransition,
  AuditChainReport,
  canonicalJson,
  definedFields,
  DomainError,
  FieldError,
  isOpenStatus,
  isReopen,
  TicketPriority,
  TicketStatus,
  TicketType,
  verifyAuditChain,
} from '@helpdesk/domain';
import { originOf, RequestContext } from '../access/request-context';
import { AuthService } from '../auth/auth.service';
import { sha256 } from '../auth/tokens';
import { SlaScheduler } from '@helpdesk/queue';
import { assertAllowed, assertNotArchived, assertReadable, canOnTicket, ticketReadConditionFor, ticketView } from './ticket-access';
import { diff, TicketRecorder } from './ticket-recorder';
import { clockOf, nextReplyOf, slaColumns, termsOf } from './ticket-sla';

export interface CreateTicketInput {
  title: string;
  description?: string;
  type: TicketType;
  priority: TicketPriority;
  source?: string;
  source_id?: string;
  tags?: string[];
  linked_type?: string;
  linked_id?: string;
  metadata?: Record<string, unknown>;
  is_sensitive?: boolean;
  requester_id?: string;
  team_id?: string;
  assignee_id?: string;
  franchise_id?: string;
  region?: string;
}

export interface UpdateTicketInput {
  title?: string;
  description?: string;
  priority?: TicketPriority;
  tags?: string[];
  metadata?: Record<string, unknown>;
  is_sensitive?: boolean;
  status?: TicketStatus;
  resolution_summary?: string;
}

export interface AssignTicketInput {
  assignee_id?: string | null;
  team_id?: string | null;
  reason: string;
}

export type TicketView = Partial<TicketRow>;

export interface CreateTicketResult {
  /** 201 for a new ticket; 200 when the source id or the idempotency key names an earlier one. */
  status: 200 | 201;
  ticket: TicketView;
}

@Injectable()
export class TicketsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly users: UsersRepository,
    private readonly teams: TeamsRepository,
    private readonly watchers: TicketWatchersRepository,
    private readonly audit: TicketAuditRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly recorder: TicketRecorder,
    private readonly auth: AuthService,
    private readonly scheduler: SlaScheduler,
  ) {}

  async create(context: RequestContext, input: CreateTicketInput, idempotencyKey?: string): Promise<CreateTicketResult> {
    const { principal } = context;
    const tenantId = principal.tenantId;
    assertAllowed(principal.ability.can('create', 'Ticket'), 'create tickets');
    const requesterId = input.requester_id ?? (principal.kind === 'user' ? principal.id : null);
    const routing = ROUTING_FIELDS.filter((field) => input[field] !== undefined && !(field === 'requester_id' && input.requester_id === principal.id));
    if (routing.length && !principal.ability.can('assign', 'Ticket')) {
      throw new DomainError('forbidden', `Your role may not route a ticket: ${routing.join(', ')} ${routing.length > 1 ? 'are' : 'is'} set by those who assign tickets.`, {
        fields: routing,
      });
    }
    const requester = requesterId ? await this.users.findById(tenantId, requesterId) : null;
    await this.assertReferences(tenantId, { requester_id: input.requester_id, team_id: input.team_id });

    let created: TicketRow | null = null;
    const result = await this.dataSource.transaction(async (manager): Promise<CreateTicketResult> => {
      const principalKey = `${principal.kind}:${principal.id}`;
      if (idempotencyKey) {
        const requestHash = sha256(canonicalJson(input));
        const stored = await this.idempotency.claim(manager, tenantId, principalKey, idempotencyKey, requestHash);
        if (stored) {
          if (stored.request_hash !== requestHash) {
            throw new DomainError('idempotency_mismatch', 'This Idempotency-Key was used with a different request body.');
          }
          return { status: 200, ticket: stored.response_body as TicketView };
        }
      }
      const now = new Date();
      const policy = await this.policies.findCurrent(tenantId, input.priority, manager);
      const draft = {
        tenant_id: tenantId,
        title: input.title,
        description: input.description ?? '',
        type: input.type,
        priority: input.priority,
        status: 'new' as const,
        source: input.source ?? 'api',
        source_id: input.source_id ?? null,
        requester_id: requesterId,
        assignee_id: input.assignee_id ?? null,
        team_id: input.team_id ?? null,
        owner_role: policy?.escalation_chain[0] ?? null,
        franchise_id: input.franchise_id ?? requester?.franchise_id ?? null,
        region: input.region ?? requester?.region ?? null,
        linked_type: input.linked_type ?? null,
        linked_id: input.linked_id ?? null,
        tags: [...new Set(input.tags ?? [])],
        metadata: input.metadata ?? {},
        is_sensitive: input.is_sensitive ?? false,
        sla_policy_id: policy?.id ?? null,
        first_responded_at: null,
        resolution_summary: null,
        created_at: now,
        ...(policy
          ? slaColumns(termsOf(policy), clockOf({ created_at: now, sla_paused_at: null, sla_paused_seconds: 0, first_responded_at: null, resolved_at: null }), 'new', now)
          : { first_response_due_at: null, resolution_due_at: null, sla_state: 'on_track' as const, sla_paused_at: null, sla_paused_seconds: 0, next_sla_check_at: null }),
      };
      if (!requesterId && !canOnTicket(principal.ability, 'read', { ...draft, archived: false } as unknown as TicketRow)) {
        // A credential with no user behind it (an API key) would create a ticket it cannot see itself.
        throw DomainError.validation([{ field: 'requester_id', message: 'is required: this credential could not see a ticket without a requester' }]);
      }
      if (input.assignee_id) await this.assertAssignable(tenantId, input.assignee_id, draft as unknown as TicketRow);

      const ticket = await this.tickets.insert(manager, draft as Parameters<TicketsRepository['insert']>[1]);
      if (!ticket) {
        const existing = await this.tickets.findBySource(manager, tenantId, draft.source, draft.source_id!);
        if (!existing || !canOnTicket(principal.ability, 'read', existing)) {
          throw new DomainError('conflict', `source_id "${draft.source_id}" of source "${draft.source}" is already used by another ticket.`);
        }
        const existingView = ticketView(principal.ability, existing);
        // The key's answer is this one too: a retry with the same key must find it stored.
        if (idempotencyKey) await this.idempotency.complete(manager, tenantId, principalKey, idempotencyKey, 200, existingView, existing.id);
        return { status: 200, ticket: existingView };
      }
      await this.recorder.record(manager, originOf(context), ticket, 'created', diff({}, pickCreated(ticket)), [{ type: 'ticket.created', payload: { priority: ticket.priority, team_id: ticket.team_id } }], now);
      if (policy) await this.recorder.slaEvent(manager, ticket, 'applied', null, { policy_id: policy.id, version: policy.version, priority: policy.priority }, now);
      for (const userId of new Set([ticket.requester_id, ticket.assignee_id].filter((id): id is string => !!id))) {
        await this.watchers.add(manager, tenantId, ticket.id, userId, {}, now);
      }
      const view = ticketView(principal.ability, ticket);
      if (idempotencyKey) await this.idempotency.complete(manager, tenantId, principalKey, idempotencyKey, 201, view, ticket.id);
      created = ticket;
      return { status: 201, ticket: view };
    });
    await this.scheduleSla(created);
    return result;
  }

  /** After commit: the worker's timer for the ticket's next SLA event (the sweep backs it up). */
  private async scheduleSla(ticket: TicketRow | null, before?: TicketRow): Promise<void> {
    if (ticket) await this.scheduler.schedule(ticket.tenant_id, ticket.id, ticket.next_sla_check_at, before?.next_sla_check_at ?? null);
  }

  /** Reading a sensitive ticket leaves a `viewed` row in its audit trail. */
  async get(context: RequestContext, id: string): Promise<TicketView> {
    const { principal } = context;
    const ticket = assertReadable(principal.ability, await this.tickets.findById(principal.tenantId, id));
    if (ticket.is_sensitive) {
      await this.dataSource.transaction(async (manager) => {
        await this.tickets.lock(manager, principal.tenantId, id);
        await this.recorder.record(manager, originOf(context), ticket, 'viewed', {}, [], new Date());
      });
    }
    return ticketView(principal.ability, ticket);
  }

  async list(context: RequestContext, request: Omit<TicketListRequest, 'access'>): Promise<Page<TicketView>> {
    const { ability } = context.principal;
    const fields = [request.sort, ...Object.keys(definedFields(request.filter)).flatMap((key) => FILTER_FIELDS[key as keyof TicketFilter])];
    const page = await this.tickets.list(context.principal.tenantId, { ...request, access: ticketReadConditionFor(ability, fields) });
    return { data: page.data.map((ticket) => listView(ability, ticket)), next_cursor: page.next_cursor };
  }

  async update(context: RequestContext, id: string, input: UpdateTicketInput, expectedVersion: number): Promise<TicketView> {
    const { principal } = context;
    let before: TicketRow | undefined;
    let after: TicketRow | null = null;
    const view = await this.dataSource.transaction(async (manager) => {
      const ticket = assertReadable(principal.ability, await this.tickets.lock(manager, principal.tenantId, id));
      assertNotArchived(ticket);
      if (ticket.version !== expectedVersion) {
        throw new DomainError('precondition_failed', `The ticket has changed (version ${ticket.version}, If-Match named ${expectedVersion}); read it again.`, { current_version: ticket.version });
      }
      const { status, ...fields } = definedFields(input);
      const changes: TicketChanges = { ...fields };
      if (Object.keys(fields).length > 0) assertAllowed(canOnTicket(principal.ability, 'update', ticket), 'update this ticket');
      if (changes.tags) changes.tags = [...new Set(changes.tags)];

      const now = new Date();
      const events: Array<{ type: string; payload?: Record<string, unknown> }> = [];
      let clock = clockOf(ticket);
      if (status !== undefined && status !== ticket.status) {
        assertTransition(ticket.status, status);
        assertAllowed(canOnTicket(principal.ability, 'transition', ticket, status), `move this ticket to ${status}`);
        if (status === 'resolved' && !(input.resolution_summary ?? ticket.resolution_summary)) {
          throw DomainError.validation([{ field: 'resolution_summary', message: 'is required to resolve a ticket' }]);
        }
        Object.assign(changes, this.statusChanges(ticket, status, now));
        // Finishing a ticket stops its resolution clock, whichever way it is finished; reopening restarts it.
        clock = { ...clock, resolved_at: isOpenStatus(status) ? null : (clock.resolved_at ?? now) };
        events.push({ type: 'ticket.status_changed', payload: { from: ticket.status, to: status } });
        if (status === 'resolved') events.push({ type: 'ticket.resolved' });
        if (isReopen(ticket.status, status)) events.push({ type: 'ticket.reopened', payload: { reopen_count: ticket.reopen_count + 1 } });
      } else if (status !== undefined) {
        assertTransition(ticket.status, status);
      }

      // A ticket keeps the policy version it applied, unless its priority changes.
      const reprioritised = changes.priority !== undefined && changes.priority !== ticket.priority;
      const policy = reprioritised
        ? await this.policies.findCurrent(principal.tenantId, changes.priority!, manager)
        : ticket.sla_policy_id
          ? await this.policies.findById(principal.tenantId, ticket.sla_policy_id, manager)
          : null;
      if (reprioritised && policy) changes.sla_policy_id = policy.id;
      const newStatus = (changes.status as TicketStatus | undefined) ?? ticket.status;
      if (policy) {
        const terms = termsOf(policy);
        if (newStatus !== ticket.status) clock = applyStatusToClock(terms, clock, newStatus, now);
        Object.assign(changes, slaColumns(terms, clock, newStatus, now, { pendingCheck: ticket.next_sla_check_at, nextReply: nextReplyOf(policy, ticket) }));
      }

      const changed = diff(ticket, changes);
      if (Object.keys(changed).length === 0) return ticketView(principal.ability, ticket);
      const updated = await this.tickets.update(manager, principal.tenantId, id, pickChanged(changes, changed), now);
      before = ticket;
      after = updated;
      const visibleChange = Object.keys(changed).some((key) => !SLA_BOOKKEEPING.has(key));
      if (visibleChange) events.unshift({ type: 'ticket.updated', payload: { fields: Object.keys(changed).filter((k) => !SLA_BOOKKEEPING.has(k)) } });
      await this.recorder.record(manager, originOf(context), updated, 'updated', changed, events, now);
      await this.recordClockEvents(manager, ticket, updated, policy, now);
      return ticketView(principal.ability, updated);
    });
    await this.scheduleSla(after, before);
    return view;
  }

  async assign(context: RequestContext, id: string, input: AssignTicketInput): Promise<TicketView> {
    const { principal } = context;
    if (input.assignee_id === undefined && input.team_id === undefined) {
      throw DomainError.validation([{ field: 'assignee_id', message: 'name an assignee_id or a team_id (null clears it)' }]);
    }
    return this.dataSource.transaction(async (manager) => {
      const ticket = assertReadable(principal.ability, await this.tickets.lock(manager, principal.tenantId, id));
      assertAllowed(canOnTicket(principal.ability, 'assign', ticket), 'assign this ticket');
      assertNotArchived(ticket);
      await this.assertReferences(principal.tenantId, { team_id: input.team_id ?? undefined });
      const changes: TicketChanges = {};
      if (input.team_id !== undefined) changes.team_id = input.team_id;
      if (input.assignee_id !== undefined) changes.assignee_id = input.assignee_id;
      // A new team must not strand the current assignee on a ticket their role no longer reaches.
      const assignee = changes.assignee_id !== undefined ? changes.assignee_id : ticket.assignee_id;
      if (assignee) await this.assertAssignable(principal.tenantId, assignee, { ...ticket, ...changes });
      const changed = diff(ticket, changes);
      if (Object.keys(changed).length === 0) return ticketView(principal.ability, ticket);
      const now = new Date();
      const updated = await this.tickets.update(manager, principal.tenantId, id, changes, now);
      await this.recorder.record(manager, originOf(context), updated, 'assigned', { ...changed, reason: input.reason }, [
        { type: 'ticket.assigned', payload: { assignee_id: updated.assignee_id, team_id: updated.team_id, reason: input.reason } },
      ], now);
      if (updated.assignee_id) await this.watchers.add(manager, principal.tenantId, id, updated.assignee_id, {}, now);
      return ticketView(principal.ability, updated);
    });
  }

  /** Archiving is the only delete: the ticket leaves default lists, its history stays. */
  async archive(context: RequestContext, id: string): Promise<void> {
    const { principal } = context;
    await this.dataSource.transaction(async (manager) => {
      const ticket = assertReadable(principal.ability, await this.tickets.lock(manager, principal.tenantId, id));
      assertAllowed(canOnTicket(principal.ability, 'delete', ticket), 'archive this ticket');
      if (ticket.archived) return;
      const now = new Date();
      const updated = await this.tickets.update(manager, principal.tenantId, id, { archived: true, next_sla_check_at: null }, now);
      await this.recorder.record(manager, originOf(context), updated, 'archived', { archived: { old: false, new: true } }, [{ type: 'ticket.archived' }], now);
    });
  }

  async auditTrail(context: RequestContext, id: string, limit: number, cursor?: string): Promise<AuditPage> {
    await this.assertAuditReadable(context, id);
    return this.audit.page(context.principal.tenantId, id, { limit, cursor });
  }

  async verifyAudit(context: RequestContext, id: string): Promise<AuditChainReport> {
    await this.assertAuditReadable(context, id);
    return verifyAuditChain(await this.audit.chain(context.principal.tenantId, id));
  }

  private async assertAuditReadable(context: RequestContext, id: string): Promise<void> {
    const { principal } = context;
    assertReadable(principal.ability, await this.tickets.findById(principal.tenantId, id));
    assertAllowed(principal.ability.can('read', 'Audit'), 'read audit trails');
  }

  /** The SLA log's view of a change: a new policy applied, the clock paused or resumed, a target met. */
  private async recordClockEvents(manager: EntityManager, before: TicketRow, after: TicketRow, policy: { id: string; version: number; priority: string } | null, at: Date): Promise<void> {
    if (policy && after.sla_policy_id !== before.sla_policy_id) {
      await this.recorder.slaEvent(manager, after, 'applied', null, { policy_id: policy.id, version: policy.version, priority: policy.priority }, at);
    }
    if (!before.sla_paused_at && after.sla_paused_at) await this.recorder.slaEvent(manager, after, 'paused', null, { status: after.status }, at);
    if (before.sla_paused_at && !after.sla_paused_at) {
      await this.recorder.slaEvent(manager, after, 'resumed', null, { status: after.status, paused_seconds: after.sla_paused_seconds - before.sla_paused_seconds }, at);
    }
    if (!before.resolved_at && after.resolved_at && after.resolution_due_at && after.resolved_at <= after.resolution_due_at) {
      await this.recorder.slaEvent(manager, after, 'met', 'resolution', { resolved_at: after.resolved_at.toISOString() }, at);
    }
  }

  private statusChanges(ticket: TicketRow, to: TicketStatus, now: Date): TicketChanges {
    const changes: TicketChanges = { status: to };
    if (to === 'resolved') changes.resolved_at = now;
    if (to === 'closed') changes.closed_at = now;
    if (isReopen(ticket.status, to)) {
      changes.reopen_count = ticket.reopen_count + 1;
      changes.resolved_at = null;
      changes.closed_at = null;
    }
    return changes;
  }

  private async assertReferences(tenantId: string, refs: { requester_id?: string; team_id?: string }): Promise<void> {
    const errors: FieldError[] = [];
    if (refs.requester_id && !(await this.users.findById(tenantId, refs.requester_id))?.active) {
      errors.push({ field: 'requester_id', message: 'is not an active user of this tenant' });
    }
    if (refs.team_id && !(await this.teams.findById(tenantId, refs.team_id))) errors.push({ field: 'team_id', message: 'is not a team of this tenant' });
    if (errors.length) throw DomainError.validation(errors);
  }

  /** The assignee must be an active user whose own role lets them work the ticket. */
  private async assertAssignable(tenantId: string, assigneeId: string, ticket: TicketRow): Promise<void> {
    const assignee = await this.users.findById(tenantId, assigneeId);
    if (!assignee?.active) throw DomainError.validation([{ field: 'assignee_id', message: 'is not an active user of this tenant' }]);
    const principal = await this.auth.principalOf(assignee);
    if (!canOnTicket(principal.ability, 'update', ticket)) {
      throw DomainError.validation([{ field: 'assignee_id', message: 'this user’s role does not allow working this ticket' }]);
    }
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

/**
 * Fields that send a ticket to a queue or a person, and the integration key that deduplicates
 * tickets across the tenant: set on create only by those who may assign.
 */
const ROUTING_FIELDS = ['team_id', 'assignee_id', 'requester_id', 'franchise_id', 'region', 'linked_type', 'linked_id', 'is_sensitive', 'source_id'] as const;

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

/** SLA columns that move with other changes; on their own they are not a user-visible update. */
const SLA_BOOKKEEPING = new Set([
  'sla_state',
  'next_sla_check_at',
  'first_response_due_at',
  'first_response_warn_at',
  'resolution_due_at',
  'resolution_warn_at',
  'sla_paused_at',
  'sla_paused_seconds',
  'sla_policy_id',
]);

function pickCreated(ticket: TicketRow): Partial<TicketRow> {
  const { id: _id, tenant_id: _tenant, version: _version, created_at: _created, updated_at: _updated, ...rest } = ticket;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))) as Partial<TicketRow>;
}

function pickChanged(changes: TicketChanges, changed: Record<string, unknown>): TicketChanges {
  return Object.fromEntries(Object.entries(changes).filter(([key]) => key in changed)) as TicketChanges;
}
