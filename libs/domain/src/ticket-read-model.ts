import { SLA_STATES, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES } from './tickets';

/** What a column holds, as JSON: `date-time` is an ISO 8601 instant on the wire and a `Date` in the code. */
export type TicketColumnType = 'uuid' | 'string' | 'integer' | 'number' | 'boolean' | 'date-time' | 'string[]' | 'object';

export interface TicketColumn {
  type: TicketColumnType;
  nullable: boolean;
  /** In API answers, as far as the caller's role lets them see it. An internal column never leaves the api. */
  public: boolean;
  /** Moves with other changes (the SLA clock); a change of these alone is not a user-visible update. */
  slaBookkeeping?: boolean;
  /** A column of ticket exports. */
  exportable: boolean;
  enum?: readonly string[];
  description: string;
}

/**
 * Every column of the `tickets` table that the code reads, declared once. The repository's column
 * list, the api's serializer schema, the OpenAPI `Ticket` schema and the export columns are derived
 * from it; a test holds it against the table (`search`, the generated full-text vector, is never read).
 */
export const TICKET_COLUMNS = {
  id: { type: 'uuid', nullable: false, public: true, exportable: true, description: 'The ticket id' },
  tenant_id: { type: 'uuid', nullable: false, public: false, exportable: false, description: 'The tenant (implied by the credential)' },
  title: { type: 'string', nullable: false, public: true, exportable: true, description: 'One line, 1-200 characters' },
  description: { type: 'string', nullable: false, public: true, exportable: true, description: 'Plain text; left out of lists for a sensitive ticket' },
  type: { type: 'string', nullable: false, public: true, exportable: true, enum: TICKET_TYPES, description: 'Kind of work' },
  priority: { type: 'string', nullable: false, public: true, exportable: true, enum: TICKET_PRIORITIES, description: 'Chooses the SLA policy' },
  status: { type: 'string', nullable: false, public: true, exportable: true, enum: TICKET_STATUSES, description: 'Lifecycle status' },
  source: { type: 'string', nullable: false, public: true, exportable: true, description: 'Where the ticket came from (api, email, …)' },
  source_id: { type: 'string', nullable: true, public: true, exportable: true, description: 'The id in the source system; unique per source' },
  requester_id: { type: 'uuid', nullable: true, public: true, exportable: true, description: 'The user who asked' },
  assignee_id: { type: 'uuid', nullable: true, public: true, exportable: true, description: 'The user working the ticket' },
  team_id: { type: 'uuid', nullable: true, public: true, exportable: true, description: 'The team whose queue holds the ticket' },
  owner_role: { type: 'string', nullable: true, public: true, exportable: true, description: 'The role that owns the ticket at its escalation level' },
  franchise_id: { type: 'string', nullable: true, public: true, exportable: true, description: 'The franchise concerned' },
  region: { type: 'string', nullable: true, public: true, exportable: true, description: 'The region concerned' },
  linked_type: { type: 'string', nullable: true, public: true, exportable: true, description: 'Kind of the linked record (payment, order, …)' },
  linked_id: { type: 'string', nullable: true, public: true, exportable: true, description: 'Id of the linked record' },
  tags: { type: 'string[]', nullable: false, public: true, exportable: true, description: 'Distinct tags' },
  metadata: {
    type: 'object',
    nullable: false,
    public: true,
    exportable: false,
    description: 'Free-form JSON object; left out of lists for a sensitive ticket',
  },
  is_sensitive: { type: 'boolean', nullable: false, public: true, exportable: true, description: 'Reading it in full is audited' },
  archived: { type: 'boolean', nullable: false, public: true, exportable: true, description: 'Archived (soft-deleted): out of default lists' },
  version: { type: 'integer', nullable: false, public: true, exportable: false, description: 'Bumped by every change; the ETag' },
  sla_policy_id: { type: 'uuid', nullable: true, public: true, slaBookkeeping: true, exportable: true, description: 'The SLA policy version applied' },
  first_response_due_at: { type: 'date-time', nullable: true, public: true, slaBookkeeping: true, exportable: true, description: 'First response due by' },
  first_response_warn_at: {
    type: 'date-time',
    nullable: true,
    public: true,
    slaBookkeeping: true,
    exportable: false,
    description: 'First response near breach from',
  },
  first_responded_at: { type: 'date-time', nullable: true, public: true, exportable: true, description: 'First public reply of an agent' },
  resolution_due_at: { type: 'date-time', nullable: true, public: true, slaBookkeeping: true, exportable: true, description: 'Resolution due by' },
  resolution_warn_at: { type: 'date-time', nullable: true, public: true, slaBookkeeping: true, exportable: false, description: 'Resolution near breach from' },
  next_reply_started_at: {
    type: 'date-time',
    nullable: true,
    public: true,
    exportable: false,
    description: 'Start of the pending next-reply target (the requester’s message)',
  },
  next_reply_due_at: { type: 'date-time', nullable: true, public: true, exportable: true, description: 'The pending next reply due by' },
  sla_paused_at: { type: 'date-time', nullable: true, public: true, slaBookkeeping: true, exportable: false, description: 'The SLA clock is paused since' },
  sla_paused_seconds: {
    type: 'number',
    nullable: false,
    public: true,
    slaBookkeeping: true,
    exportable: false,
    description: 'Seconds the SLA clock was paused so far',
  },
  sla_state: {
    type: 'string',
    nullable: false,
    public: true,
    slaBookkeeping: true,
    exportable: true,
    enum: SLA_STATES,
    description: 'SLA state at this moment',
  },
  next_sla_check_at: {
    type: 'date-time',
    nullable: true,
    public: false,
    slaBookkeeping: true,
    exportable: false,
    description: 'When the worker next looks at the SLA',
  },
  escalation_level: { type: 'integer', nullable: false, public: true, exportable: true, description: 'Steps along the escalation chain; 0 = none' },
  breached_at: { type: 'date-time', nullable: true, public: true, exportable: true, description: 'First SLA breach' },
  reopen_count: { type: 'integer', nullable: false, public: true, exportable: true, description: 'Times reopened' },
  resolution_summary: { type: 'string', nullable: true, public: true, exportable: true, description: 'How it was resolved' },
  resolved_at: { type: 'date-time', nullable: true, public: true, exportable: true, description: 'Resolved (or otherwise finished) at' },
  closed_at: { type: 'date-time', nullable: true, public: true, exportable: true, description: 'Closed at' },
  created_at: { type: 'date-time', nullable: false, public: true, exportable: true, description: 'Raised at' },
  updated_at: { type: 'date-time', nullable: false, public: true, exportable: true, description: 'Last change' },
} as const satisfies Record<string, TicketColumn>;

type Columns = typeof TICKET_COLUMNS;
export type TicketColumnName = keyof Columns;
export type PublicTicketColumn = { [K in TicketColumnName]: Columns[K]['public'] extends true ? K : never }[TicketColumnName];

interface ValueOfType {
  uuid: string;
  string: string;
  integer: number;
  number: number;
  boolean: boolean;
  'date-time': Date;
  'string[]': string[];
  object: Record<string, unknown>;
}
type ValueOf<C extends TicketColumn> = (C extends { enum: readonly (infer E)[] } ? E : ValueOfType[C['type']]) | (C['nullable'] extends true ? null : never);

/**
 * A ticket as an API answer carries it: public columns only, each present when the caller's role
 * may read it. Instants are `Date`s here; the serializer writes them as ISO 8601.
 */
export type TicketView = { [K in PublicTicketColumn]?: ValueOf<Columns[K]> };

const names = Object.keys(TICKET_COLUMNS) as TicketColumnName[];
/** Every column read from the table, in declaration order. */
export const TICKET_COLUMN_NAMES: readonly TicketColumnName[] = names;
export const PUBLIC_TICKET_COLUMNS: readonly PublicTicketColumn[] = names.filter((name): name is PublicTicketColumn => TICKET_COLUMNS[name].public);
/** SLA columns that move with other changes; on their own they are not a user-visible update. */
export const SLA_BOOKKEEPING_COLUMNS: ReadonlySet<string> = new Set(names.filter((name) => (TICKET_COLUMNS[name] as TicketColumn).slaBookkeeping));

/** The columns of a ticket export, in order: public and meant for a spreadsheet. */
export function exportTicketColumns(): Array<{ name: PublicTicketColumn } & TicketColumn> {
  return PUBLIC_TICKET_COLUMNS.filter((name) => TICKET_COLUMNS[name].exportable).map((name) => ({ name, ...TICKET_COLUMNS[name] }));
}

/**
 * The public columns of a row as one object literal, compiled once from the declaration: every view
 * has the same shape, so V8 copies it and the serializer reads it as cheaply as the row itself (a
 * loop of keyed stores cost ~40 % more CPU per 50-ticket page; see docs/adr/0012-ticket-read-model.md).
 */
const publicColumnsOf = new Function(
  'row',
  `return { ${PUBLIC_TICKET_COLUMNS.map((name) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`ticket column "${name}" is not a plain identifier`);
    return `${name}: row.${name}`;
  }).join(', ')} };`,
) as (row: Readonly<Record<TicketColumnName, unknown>>) => TicketView;

/**
 * The public columns of a ticket row, or of those the subset `visible` names (field-level access).
 * Internal columns never pass, whatever `visible` says.
 */
export function toTicketView(row: Readonly<Record<TicketColumnName, unknown>>, visible?: ReadonlySet<string>): TicketView {
  if (!visible) return publicColumnsOf(row);
  const view: Record<string, unknown> = {};
  for (const name of PUBLIC_TICKET_COLUMNS) if (visible.has(name)) view[name] = row[name];
  return view as TicketView;
}
