import { DomainError } from './errors';
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
