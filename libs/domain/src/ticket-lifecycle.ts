import { DomainError } from './errors';
import type { DomainEvent } from './events';
import { TicketStatus } from './tickets';

/**
 * The ticket state machine: the only authority on which status moves are allowed. Escalation and
 * reopening are modifiers on the ticket (escalation_level, reopen_count), not states.
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = Object.freeze({
  new: Object.freeze(['open', 'in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix'] as const),
  open: Object.freeze(['in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix'] as const),
  in_progress: Object.freeze(['open', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix'] as const),
  // A customer who never answers lets the ticket be closed straight from awaiting_customer.
  awaiting_customer: Object.freeze(['open', 'in_progress', 'resolved', 'wont_fix', 'closed'] as const),
  awaiting_third_party: Object.freeze(['open', 'in_progress', 'resolved', 'wont_fix'] as const),
  // Back to open is a reopen.
  resolved: Object.freeze(['open', 'closed'] as const),
  wont_fix: Object.freeze(['open', 'closed'] as const),
  closed: Object.freeze([] as const),
});

/** Statuses in which the work is done: the ticket no longer counts as open. */
export const DONE_STATUSES: readonly TicketStatus[] = Object.freeze(['resolved', 'closed', 'wont_fix'] as const);
/** Same set as DONE_STATUSES (kept as a second name: "final" as in "no further work expected"). */
export const FINAL_STATUSES: readonly TicketStatus[] = DONE_STATUSES;

/** Statuses in which the ticket waits on someone else; a requester's reply ends the wait. */
export const AWAITING_STATUSES: readonly TicketStatus[] = Object.freeze(['awaiting_customer', 'awaiting_third_party'] as const);

export function allowedTransitions(from: TicketStatus): readonly TicketStatus[] {
  return TICKET_TRANSITIONS[from] ?? [];
}

/** Whether `from` → `to` is allowed. Staying in the same status is never a transition. */
export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return allowedTransitions(from).includes(to);
}

/** Throws DomainError('invalid_transition') with the allowed targets (the api answers 409). */
export function assertTransition(from: TicketStatus, to: TicketStatus): void {
  if (canTransition(from, to)) return;
  throw new DomainError('invalid_transition', `A ticket cannot move from ${from} to ${to}.`, {
    from,
    to,
    allowed: [...allowedTransitions(from)],
  });
}

/** Not resolved, closed or wont_fix: still work to do (and an SLA to watch). */
export function isOpenStatus(status: TicketStatus): boolean {
  return !DONE_STATUSES.includes(status);
}

/**
 * Whether a move takes a done ticket back to work (bumps reopen_count). A classifier only: it does
 * not say the move is allowed (closed → open is a reopen by shape but not a transition);
 * pair it with assertTransition.
 */
export function isReopen(from: TicketStatus, to: TicketStatus): boolean {
  return DONE_STATUSES.includes(from) && isOpenStatus(to);
}

/** Moving to resolved needs a resolution summary. */
export function requiresResolutionSummary(to: TicketStatus): boolean {
  return to === 'resolved';
}

/** Throws a validation error (422) when moving to `to` needs a resolution summary that is missing. */
export function assertResolutionSummary(to: TicketStatus, summary: string | null | undefined): void {
  if (requiresResolutionSummary(to) && !summary) {
    throw DomainError.validation([{ field: 'resolution_summary', message: 'is required to resolve a ticket' }]);
  }
}

export function isAwaitingStatus(status: TicketStatus): boolean {
  return AWAITING_STATUSES.includes(status);
}

/** Where a requester's public reply moves the ticket: back to `open` from an awaiting status, else nowhere (null). */
export function statusAfterRequesterReply(status: TicketStatus): TicketStatus | null {
  return isAwaitingStatus(status) ? 'open' : null;
}

/** The lifecycle fields of a ticket that a status move sets. */
export interface LifecycleFields {
  status: TicketStatus;
  resolved_at: Date | null;
  closed_at: Date | null;
  reopen_count: number;
}

/**
 * What moving `ticket` to `to` at `now` sets besides the status: resolving stamps resolved_at,
 * closing closed_at, and a reopen counts itself and clears both. Check the move with
 * assertTransition first.
 */
export function statusChangeEffects(ticket: Pick<LifecycleFields, 'status' | 'reopen_count'>, to: TicketStatus, now: Date): Partial<LifecycleFields> {
  const changes: Partial<LifecycleFields> = { status: to };
  if (to === 'resolved') changes.resolved_at = now;
  if (to === 'closed') changes.closed_at = now;
  if (isReopen(ticket.status, to)) {
    changes.reopen_count = ticket.reopen_count + 1;
    changes.resolved_at = null;
    changes.closed_at = null;
  }
  return changes;
}

/** The events a status move publishes: always status_changed, then resolved or reopened where it is one. */
export function statusChangeEvents(ticket: Pick<LifecycleFields, 'status' | 'reopen_count'>, to: TicketStatus): DomainEvent[] {
  const events: DomainEvent[] = [{ type: 'ticket.status_changed', payload: { from: ticket.status, to } }];
  if (to === 'resolved') events.push({ type: 'ticket.resolved', payload: {} });
  if (isReopen(ticket.status, to)) events.push({ type: 'ticket.reopened', payload: { reopen_count: ticket.reopen_count + 1 } });
  return events;
}
