import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { definedFields, TICKET_COLUMN_NAMES, type SlaState, type TicketPriority, type TicketStatus, type TicketType } from '@helpdesk/domain';
import { DONE_STATUSES_SQL, PRIORITY_ORDER_SQL } from '../domain-sql';
import { keyset, Page } from '../pagination';
import { AccessCondition, columnsOf, SqlParams } from '../sql';

export interface TicketRow {
  id: string;
  tenant_id: string;
  title: string;
  description: string;
  type: TicketType;
  priority: TicketPriority;
  status: TicketStatus;
  source: string;
  source_id: string | null;
  requester_id: string | null;
  assignee_id: string | null;
  team_id: string | null;
  owner_role: string | null;
  franchise_id: string | null;
  region: string | null;
  linked_type: string | null;
  linked_id: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  is_sensitive: boolean;
  archived: boolean;
  version: number;
  sla_policy_id: string | null;
  first_response_due_at: Date | null;
  first_response_warn_at: Date | null;
  first_responded_at: Date | null;
  resolution_due_at: Date | null;
  resolution_warn_at: Date | null;
  /** The pending next-reply target: since the requester's message, due by this instant. */
  next_reply_started_at: Date | null;
  next_reply_due_at: Date | null;
  sla_paused_at: Date | null;
  sla_paused_seconds: number;
  sla_state: SlaState;
  next_sla_check_at: Date | null;
  escalation_level: number;
  breached_at: Date | null;
  reopen_count: number;
  resolution_summary: string | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewTicket = Omit<
  TicketRow,
  'id' | 'version' | 'archived' | 'created_at' | 'updated_at' | 'reopen_count' | 'escalation_level' | 'breached_at' | 'resolved_at' | 'closed_at'
> & {
  created_at: Date;
};

/** Columns a change may set; `version` and `updated_at` move with every change. */
export type TicketChanges = Partial<Omit<TicketRow, 'id' | 'tenant_id' | 'version' | 'created_at' | 'updated_at'>>;

export const TICKET_SORTS = ['created_at', 'updated_at', 'priority', 'resolution_due_at'] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export interface TicketFilter {
  status?: TicketStatus[];
  priority?: TicketPriority[];
  type?: TicketType[];
  assignee_id?: string;
  team_id?: string;
  owner_role?: string;
  requester_id?: string;
  tag?: string;
  linked_type?: string;
  linked_id?: string;
  sla_state?: SlaState[];
  escalated?: boolean;
  archived?: boolean;
  created_after?: Date;
  created_before?: Date;
  due_before?: Date;
  q?: string;
}

export interface TicketListRequest {
  filter: TicketFilter;
  /** The caller's access condition on alias `t` (from libs/access), with `:name` parameters. */
  access: AccessCondition;
  sort: TicketSort;
  descending: boolean;
  limit: number;
  cursor?: string;
}

/** Every column the read model declares (libs/domain), internal ones included: the row is the whole ticket. */
const COLUMNS = TICKET_COLUMN_NAMES;
/**
 * The SLA state at this moment, from the stored instants: correct whether or not the worker has
 * acted yet (it stores the same state when it does). Stored `met` and `breached` are final. The
 * rule is the domain's `currentSlaState`; test/integration/sla-state-agreement holds the two together.
 */
const LIVE_SLA_STATE = (a: string) => `CASE
    WHEN ${a}.sla_state IN ('met', 'breached') THEN ${a}.sla_state
    WHEN ${a}.status IN (${DONE_STATUSES_SQL}) THEN ${a}.sla_state
    WHEN (${a}.first_responded_at IS NULL AND ${a}.first_response_due_at < COALESCE(${a}.sla_paused_at, now()))
      OR ${a}.resolution_due_at < COALESCE(${a}.sla_paused_at, now()) THEN 'breached'
    WHEN ${a}.sla_paused_at IS NOT NULL THEN 'paused'
    WHEN (${a}.first_responded_at IS NULL AND ${a}.first_response_warn_at < now()) OR ${a}.resolution_warn_at < now() THEN 'near_breach'
    ELSE 'on_track' END`;
const SELECT_COLUMNS = (alias: string) => COLUMNS.map((c) => (c === 'sla_state' ? `${LIVE_SLA_STATE(alias)} AS sla_state` : `${alias}.${c}`)).join(', ');

/** Sort keys as SQL expressions over an alias: keyset pagination compares (key, id) pairs. */
const SORT_KEYS: Record<TicketSort, (alias: string) => string> = {
  created_at: (a) => `${a}.created_at`,
  updated_at: (a) => `${a}.updated_at`,
  priority: (a) => `array_position(${PRIORITY_ORDER_SQL}, ${a}.priority)`,
  resolution_due_at: (a) => `COALESCE(${a}.resolution_due_at, 'infinity'::timestamptz)`,
};

// The columns insert and update may name: SQL built from a NewTicket's or a TicketChanges' keys.
// prettier-ignore
const INSERTABLE = columnsOf<NewTicket>()('tickets', [
  'tenant_id', 'title', 'description', 'type', 'priority', 'status', 'source', 'source_id', 'requester_id', 'assignee_id', 'team_id', 'owner_role',
  'franchise_id', 'region', 'linked_type', 'linked_id', 'tags', 'metadata', 'is_sensitive', 'sla_policy_id', 'first_response_due_at',
  'first_response_warn_at', 'first_responded_at', 'resolution_due_at', 'resolution_warn_at', 'next_reply_started_at', 'next_reply_due_at',
  'sla_paused_at', 'sla_paused_seconds', 'sla_state', 'next_sla_check_at', 'resolution_summary', 'created_at',
]);
// prettier-ignore
const UPDATABLE = columnsOf<Required<TicketChanges>>()('tickets', [
  'title', 'description', 'type', 'priority', 'status', 'source', 'source_id', 'requester_id', 'assignee_id', 'team_id', 'owner_role', 'franchise_id',
  'region', 'linked_type', 'linked_id', 'tags', 'metadata', 'is_sensitive', 'archived', 'sla_policy_id', 'first_response_due_at',
  'first_response_warn_at', 'first_responded_at', 'resolution_due_at', 'resolution_warn_at', 'next_reply_started_at', 'next_reply_due_at',
  'sla_paused_at', 'sla_paused_seconds', 'sla_state', 'next_sla_check_at', 'escalation_level', 'breached_at', 'reopen_count', 'resolution_summary',
  'resolved_at', 'closed_at',
]);
const SLA_UPDATABLE = columnsOf<Required<SlaChanges>>()('tickets', ['sla_state', 'next_sla_check_at', 'breached_at']);
type SlaChanges = Pick<TicketChanges, 'sla_state' | 'next_sla_check_at' | 'breached_at'>;

function toRow(raw: Record<string, unknown>): TicketRow {
  return { ...(raw as unknown as TicketRow), sla_paused_seconds: Number(raw.sla_paused_seconds) };
}

/** All SQL on tickets. Every method takes the tenant. */
@Injectable()
export class TicketsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findById(tenantId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<TicketRow | null> {
    const rows = await manager.query(`SELECT ${SELECT_COLUMNS('t')} FROM tickets t WHERE t.tenant_id = $1 AND t.id = $2`, [tenantId, id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Reads and locks the ticket for the rest of the transaction: changes to one ticket are serial. */
  async lock(manager: EntityManager, tenantId: string, id: string): Promise<TicketRow | null> {
    const rows = await manager.query(`SELECT ${SELECT_COLUMNS('t')} FROM tickets t WHERE t.tenant_id = $1 AND t.id = $2 FOR NO KEY UPDATE`, [tenantId, id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async findBySource(manager: EntityManager, tenantId: string, source: string, sourceId: string): Promise<TicketRow | null> {
    const rows = await manager.query(`SELECT ${SELECT_COLUMNS('t')} FROM tickets t WHERE t.tenant_id = $1 AND t.source = $2 AND t.source_id = $3`, [
      tenantId,
      source,
      sourceId,
    ]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Inserts the ticket, or returns null when its (source, source_id) already exists. */
  async insert(manager: EntityManager, ticket: NewTicket): Promise<TicketRow | null> {
    const params = new SqlParams();
    const entries = INSERTABLE.entries(ticket);
    const columns = entries.map(([column]) => column).join(', ');
    const values = entries.map(([column, value]) => (column === 'metadata' ? `${params.add(JSON.stringify(value))}::jsonb` : params.add(value))).join(', ');
    const rows = await manager.query(
      `INSERT INTO tickets (${columns}, updated_at) VALUES (${values}, ${params.add(ticket.created_at)})
       ON CONFLICT (tenant_id, source, source_id) WHERE source_id IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS.join(', ')}`,
      params.values,
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Applies changes to a locked ticket, bumping its version. */
  async update(manager: EntityManager, tenantId: string, id: string, changes: TicketChanges, at: Date): Promise<TicketRow> {
    const params = new SqlParams();
    const sets = UPDATABLE.entries(definedFields(changes)).map(
      ([column, value]) => `${column} = ${column === 'metadata' ? `${params.add(JSON.stringify(value))}::jsonb` : params.add(value)}`,
    );
    const [rows] = await manager.query(
      `UPDATE tickets SET ${[...sets, `version = version + 1`, `updated_at = ${params.add(at)}`].join(', ')}
       WHERE tenant_id = ${params.add(tenantId)} AND id = ${params.add(id)}
       RETURNING ${COLUMNS.join(', ')}`,
      params.values,
    );
    return toRow(rows[0]);
  }

  /** Locks the ticket unless another transaction holds it (then null): for workers that may skip it. */
  async lockUnlessBusy(manager: EntityManager, tenantId: string, id: string): Promise<TicketRow | null> {
    const rows = await manager.query(`SELECT ${SELECT_COLUMNS('t')} FROM tickets t WHERE t.tenant_id = $1 AND t.id = $2 FOR NO KEY UPDATE SKIP LOCKED`, [
      tenantId,
      id,
    ]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /**
   * SLA bookkeeping (state, next check, first breach): not a change of the ticket's content, so
   * the version stays and agents' If-Match keeps working while the clock ticks.
   */
  async updateSla(manager: EntityManager, tenantId: string, id: string, changes: SlaChanges): Promise<void> {
    const params = new SqlParams();
    const sets = SLA_UPDATABLE.entries(definedFields(changes)).map(([column, value]) => `${column} = ${params.add(value)}`);
    if (sets.length === 0) return;
    await manager.query(`UPDATE tickets SET ${sets.join(', ')} WHERE tenant_id = ${params.add(tenantId)} AND id = ${params.add(id)}`, params.values);
  }

  /**
   * Moves the ticket one escalation level, only if it is still at `fromLevel` (compare-and-set):
   * of any number of concurrent escalations from the same level, exactly one succeeds.
   */
  async escalateFrom(
    manager: EntityManager,
    tenantId: string,
    id: string,
    fromLevel: number,
    toLevel: number,
    ownerRole: string,
    at: Date,
  ): Promise<TicketRow | null> {
    const [rows] = await manager.query(
      `UPDATE tickets SET escalation_level = $4, owner_role = $5, version = version + 1, updated_at = $6
       WHERE tenant_id = $1 AND id = $2 AND escalation_level = $3 RETURNING ${COLUMNS.join(', ')}`,
      [tenantId, id, fromLevel, toLevel, ownerRole, at],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /**
   * Open tickets whose next SLA check is due, across tenants, in (next_sla_check_at, id) order
   * from `after`: the sweep pages through them by the partial index and never loads the table.
   */
  async dueForSlaCheck(
    now: Date,
    limit: number,
    after: { at: Date; id: string } | null,
  ): Promise<Array<{ id: string; tenant_id: string; next_sla_check_at: Date }>> {
    return this.dataSource.query(
      `SELECT id, tenant_id, next_sla_check_at FROM tickets
       WHERE next_sla_check_at IS NOT NULL AND status NOT IN (${DONE_STATUSES_SQL}) AND next_sla_check_at <= $1
         AND (next_sla_check_at, id) > ($2::timestamptz, $3::uuid)
       ORDER BY next_sla_check_at, id LIMIT $4`,
      [now, after?.at ?? new Date(0), after?.id ?? '00000000-0000-0000-0000-000000000000', limit],
    );
  }

  async list(tenantId: string, request: TicketListRequest): Promise<Page<TicketRow>> {
    const params = new SqlParams();
    const where = [`t.tenant_id = ${params.add(tenantId)}`];
    const f = request.filter;
    // Written literally so that the planner matches the partial indexes (WHERE NOT archived).
    where.push(f.archived ? 't.archived' : 'NOT t.archived');
    if (f.status?.length) where.push(`t.status = ANY(${params.add(f.status)})`);
    if (f.priority?.length) where.push(`t.priority = ANY(${params.add(f.priority)})`);
    if (f.type?.length) where.push(`t.type = ANY(${params.add(f.type)})`);
    if (f.sla_state?.length) where.push(`${LIVE_SLA_STATE('t')} = ANY(${params.add(f.sla_state)})`);
    if (f.assignee_id) where.push(`t.assignee_id = ${params.add(f.assignee_id)}`);
    if (f.team_id) where.push(`t.team_id = ${params.add(f.team_id)}`);
    if (f.owner_role) where.push(`t.owner_role = ${params.add(f.owner_role)}`);
    if (f.requester_id) where.push(`t.requester_id = ${params.add(f.requester_id)}`);
    if (f.tag) where.push(`t.tags @> ARRAY[${params.add(f.tag)}]::text[]`);
    if (f.linked_type) where.push(`t.linked_type = ${params.add(f.linked_type)}`);
    if (f.linked_id) where.push(`t.linked_id = ${params.add(f.linked_id)}`);
    if (f.escalated !== undefined) where.push(f.escalated ? 't.escalation_level > 0' : 't.escalation_level = 0');
    if (f.created_after) where.push(`t.created_at >= ${params.add(f.created_after)}`);
    if (f.created_before) where.push(`t.created_at < ${params.add(f.created_before)}`);
    if (f.due_before) where.push(`t.resolution_due_at < ${params.add(f.due_before)}`);
    if (f.q) {
      const query = `websearch_to_tsquery('english', ${params.add(f.q)})`;
      // A sensitive ticket's description is shown only by a read, which is audited: search matches its title alone.
      where.push(`t.search @@ ${query} AND (NOT t.is_sensitive OR to_tsvector('english', t.title) @@ ${query})`);
    }
    where.push(`(${params.named(request.access.sql, request.access.params)})`);

    const page = keyset({ cursor: 'rows', table: 'tickets', key: SORT_KEYS[request.sort], descending: request.descending }, 't', tenantId, request);
    if (page.after) where.push(params.named(page.after.sql, page.after.params));
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${SELECT_COLUMNS('t')} FROM tickets t WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ${params.add(page.fetch)}`,
      params.values,
    );
    return page.page(rows.map(toRow), this.dataSource);
  }
}
