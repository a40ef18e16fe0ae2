import {
  exportTicketColumns,
  PUBLIC_TICKET_COLUMNS,
  SLA_BOOKKEEPING_COLUMNS,
  TICKET_COLUMN_NAMES,
  TICKET_COLUMNS,
  TicketColumnName,
  TicketView,
  toTicketView,
} from './ticket-read-model';
import { SLA_STATES, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES } from './tickets';

const INTERNAL = ['tenant_id', 'next_sla_check_at'];

function row(): Record<TicketColumnName, unknown> {
  return Object.fromEntries(TICKET_COLUMN_NAMES.map((name) => [name, `value of ${name}`])) as Record<TicketColumnName, unknown>;
}

describe('the ticket read model', () => {
  it('keeps the tenant and the worker’s timer inside the api, and every other column public', () => {
    expect(TICKET_COLUMN_NAMES.filter((name) => !TICKET_COLUMNS[name].public)).toEqual(INTERNAL);
    expect(PUBLIC_TICKET_COLUMNS).toEqual(TICKET_COLUMN_NAMES.filter((name) => !INTERNAL.includes(name)));
  });

  it('names as SLA bookkeeping the columns that move with the clock, and nothing a user changes', () => {
    expect([...SLA_BOOKKEEPING_COLUMNS].sort()).toEqual(
      [
        'sla_state',
        'next_sla_check_at',
        'first_response_due_at',
        'first_response_warn_at',
        'resolution_due_at',
        'resolution_warn_at',
        'sla_paused_at',
        'sla_paused_seconds',
        'sla_policy_id',
      ].sort(),
    );
  });

  it('views a row as its public columns only', () => {
    const view = toTicketView(row());
    expect(Object.keys(view)).toEqual(PUBLIC_TICKET_COLUMNS);
    expect(view).toMatchObject({ id: 'value of id', sla_state: 'value of sla_state' });
  });

  it('narrows the view to the fields a role may read, never letting an internal column through', () => {
    const view = toTicketView(row(), new Set(['id', 'title', 'tenant_id', 'next_sla_check_at', 'no_such_column']));
    expect(view).toEqual({ id: 'value of id', title: 'value of title' });
  });

  it('exports public columns only, in declaration order', () => {
    const columns = exportTicketColumns().map((column) => column.name);
    expect(columns.length).toBeGreaterThan(0);
    expect(columns.every((name) => TICKET_COLUMNS[name].public && TICKET_COLUMNS[name].exportable)).toBe(true);
    expect(columns).toEqual(PUBLIC_TICKET_COLUMNS.filter((name) => columns.includes(name)));
    expect(exportTicketColumns()[0]).toEqual({ name: 'id', ...TICKET_COLUMNS.id });
  });

  it('declares the enumerations of the domain for the enumerated columns', () => {
    expect(TICKET_COLUMNS.type.enum).toBe(TICKET_TYPES);
    expect(TICKET_COLUMNS.priority.enum).toBe(TICKET_PRIORITIES);
    expect(TICKET_COLUMNS.status.enum).toBe(TICKET_STATUSES);
    expect(TICKET_COLUMNS.sla_state.enum).toBe(SLA_STATES);
  });

  it('types the view from the declaration (checked by tsc)', () => {
    const view: TicketView = { id: 'x', status: 'open', assignee_id: null, created_at: new Date(0), tags: ['a'] };
    // @ts-expect-error an internal column is not part of the view
    const leaked: TicketView = { tenant_id: 'x' };
    // @ts-expect-error a status outside the domain's list
    const unknownStatus: TicketView = { status: 'pending' };
    // @ts-expect-error a non-nullable column
    const nullTitle: TicketView = { title: null };
    expect([view, leaked, unknownStatus, nullTitle]).toHaveLength(4);
  });
});
