import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyRepository, SlaPoliciesRepository, TicketRow, TicketsRepository, TicketWatchersRepository, UsersRepository } from '@helpdesk/database';
import { canonicalJson, DomainError, DomainEvent, TicketPriority, TicketType } from '@helpdesk/domain';
import { SlaScheduler } from '@helpdesk/queue';
import { Actor, assertAllowed, NO_REQUEST, originOf, RequestMeta } from '../access/actor';
import { sha256 } from '../auth/tokens';
import { canOnTicket, ticketView } from './ticket-access';
import { diff, TicketRecorder } from './ticket-recorder';
import { TicketReferences } from './ticket-references';
import { clockOf, scheduleSlaCheck, slaColumns, termsOf } from './ticket-sla';
import type { TicketView } from './tickets.service';

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

export interface CreateTicketResult {
  ticket: TicketView;
  /** False when the source id or the idempotency key names an earlier ticket, which is answered instead. */
  created: boolean;
}

/** Raising a ticket: due dates from its priority's SLA policy, its requester and assignee as watchers. */
@Injectable()
export class CreateTicket {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly users: UsersRepository,
    private readonly watchers: TicketWatchersRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly references: TicketReferences,
    private readonly recorder: TicketRecorder,
    private readonly scheduler: SlaScheduler,
  ) {}

  async execute(
    actor: Actor,
    input: CreateTicketInput,
    options: { idempotencyKey?: string } = {},
    meta: RequestMeta = NO_REQUEST,
  ): Promise<CreateTicketResult> {
    const { idempotencyKey } = options;
    const tenantId = actor.tenantId;
    assertAllowed(actor.ability.can('create', 'Ticket'), 'create tickets');
    const requesterId = input.requester_id ?? (actor.kind === 'user' ? actor.id : null);
    const routing = ROUTING_FIELDS.filter((field) => input[field] !== undefined && !(field === 'requester_id' && input.requester_id === actor.id));
    if (routing.length && !actor.ability.can('assign', 'Ticket')) {
      throw new DomainError(
        'forbidden',
        `Your role may not route a ticket: ${routing.join(', ')} ${routing.length > 1 ? 'are' : 'is'} set by those who assign tickets.`,
        {
          fields: routing,
        },
      );
    }
    const requester = requesterId ? await this.users.findById(tenantId, requesterId) : null;
    await this.references.assertExist(tenantId, { requester_id: input.requester_id, team_id: input.team_id });

    let created: TicketRow | null = null;
    const result = await this.dataSource.transaction(async (manager): Promise<CreateTicketResult> => {
      const callerKey = `${actor.kind}:${actor.id}`;
      if (idempotencyKey) {
        const requestHash = sha256(canonicalJson(input));
        const stored = await this.idempotency.claim(manager, tenantId, callerKey, idempotencyKey, requestHash);
        if (stored) {
          if (stored.request_hash !== requestHash) {
            throw new DomainError('idempotency_mismatch', 'This Idempotency-Key was used with a different request body.');
          }
          return { created: false, ticket: stored.response_body as TicketView };
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
          ? slaColumns(
              termsOf(policy),
              clockOf({ created_at: now, sla_paused_at: null, sla_paused_seconds: 0, first_responded_at: null, resolved_at: null }),
              'new',
              now,
            )
          : {
              first_response_due_at: null,
              resolution_due_at: null,
              sla_state: 'on_track' as const,
              sla_paused_at: null,
              sla_paused_seconds: 0,
              next_sla_check_at: null,
            }),
      };
      if (!requesterId && !canOnTicket(actor.ability, 'read', { ...draft, archived: false } as unknown as TicketRow)) {
        // A credential with no user behind it (an API key) would create a ticket it cannot see itself.
        throw DomainError.validation([{ field: 'requester_id', message: 'is required: this credential could not see a ticket without a requester' }]);
      }
      if (input.assignee_id) await this.references.assertAssignable(tenantId, input.assignee_id, draft as unknown as TicketRow);

      const ticket = await this.tickets.insert(manager, draft as Parameters<TicketsRepository['insert']>[1]);
      if (!ticket) {
        const existing = await this.tickets.findBySource(manager, tenantId, draft.source, draft.source_id!);
        if (!existing || !canOnTicket(actor.ability, 'read', existing)) {
          throw new DomainError('conflict', `source_id "${draft.source_id}" of source "${draft.source}" is already used by another ticket.`);
        }
        const existingView = ticketView(actor.ability, existing);
        // The key's answer is this one too: a retry with the same key must find it stored.
        if (idempotencyKey) await this.idempotency.complete(manager, tenantId, callerKey, idempotencyKey, 200, existingView, existing.id);
        return { created: false, ticket: existingView };
      }
      await this.recorder.record(manager, originOf(actor, meta), ticket, 'created', diff({}, pickCreated(ticket)), [createdEvent(ticket)], now);
      if (policy)
        await this.recorder.slaEvent(manager, ticket, 'applied', null, { policy_id: policy.id, version: policy.version, priority: policy.priority }, now);
      for (const userId of new Set([ticket.requester_id, ticket.assignee_id].filter((id): id is string => !!id))) {
        await this.watchers.add(manager, tenantId, ticket.id, userId, {}, now);
      }
      const view = ticketView(actor.ability, ticket);
      // The stored status is the answer the first request got (the replay answers 200 with its body).
      if (idempotencyKey) await this.idempotency.complete(manager, tenantId, callerKey, idempotencyKey, 201, view, ticket.id);
      created = ticket;
      return { created: true, ticket: view };
    });
    await scheduleSlaCheck(this.scheduler, created);
    return result;
  }
}

/**
 * Fields that send a ticket to a queue or a person, and the integration key that deduplicates
 * tickets across the tenant: set on create only by those who may assign.
 */
const ROUTING_FIELDS = ['team_id', 'assignee_id', 'requester_id', 'franchise_id', 'region', 'linked_type', 'linked_id', 'is_sensitive', 'source_id'] as const;

function createdEvent(ticket: TicketRow): DomainEvent {
  const { status, priority, requester_id, assignee_id, team_id, owner_role } = ticket;
  return { type: 'ticket.created', payload: { status, priority, requester_id, assignee_id, team_id, owner_role } };
}

function pickCreated(ticket: TicketRow): Partial<TicketRow> {
  const { id: _id, tenant_id: _tenant, version: _version, created_at: _created, updated_at: _updated, ...rest } = ticket;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))) as Partial<TicketRow>;
}
