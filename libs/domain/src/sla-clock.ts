import { addBusinessMinutes, BusinessHoursCalendar, businessMinutesBetween } from './business-hours';
import { isOpenStatus } from './ticket-lifecycle';
import { SlaState, TicketStatus } from './tickets';

/**
 * The SLA clock of one ticket. Targets (first response, resolution) are windows of business
 * minutes counted from `started_at`; time spent paused (awaiting the customer or a third party)
 * does not count, so each pause shifts both due dates by the business time it lasted.
 *
 * Instants are compared to the millisecond, and a deadline is met when the event happens at or
 * before it:
 *   - a target is *breached* strictly after its due instant (responding exactly at the due instant
 *     is in time);
 *   - a target is *near breach* strictly after its near-breach instant, the instant at which only
 *     `near_breach_ratio` of its window is left (the design's "less than the ratio left").
 * Both are wall-clock comparisons against instants computed in business time, so a target whose
 * near-breach instant fell at Friday's closing time is near breach over the weekend.
 */
export interface SlaTerms {
  first_response_minutes: number;
  resolution_minutes: number;
  near_breach_ratio: number;
  /** When set, the warning comes this many business minutes before each due instant instead. */
  near_breach_minutes?: number | null;
  business_hours: BusinessHoursCalendar | null;
  pause_statuses: readonly string[];
}

export interface SlaClock {
  started_at: Date;
  paused_at: Date | null;
  /** Business minutes spent paused so far (closed pauses only; the open one is since paused_at). */
  paused_minutes: number;
  first_responded_at: Date | null;
  resolved_at: Date | null;
}

export interface SlaDueDates {
  first_response_due_at: Date;
  resolution_due_at: Date;
}

export interface SlaTargetMilestones {
  /** After this instant less than near_breach_ratio of the window is left. */
  near_breach_at: Date;
  /** After this instant the target is breached. */
  due_at: Date;
}

export interface SlaMilestones {
  first_response: SlaTargetMilestones;
  resolution: SlaTargetMilestones;
}

/**
 * Due dates: started_at + target + paused business minutes. While the clock is paused this is the
 * value before the current pause (the open pause is not counted yet); the caller recomputes on
 * resume.
 */
export function computeDueDates(terms: SlaTerms, clock: SlaClock): SlaDueDates {
  const milestones = slaMilestones(terms, clock);
  return { first_response_due_at: milestones.first_response.due_at, resolution_due_at: milestones.resolution.due_at };
}

/** Near-breach and due instants of both targets (the worker schedules its jobs on these). */
export function slaMilestones(terms: SlaTerms, clock: SlaClock): SlaMilestones {
  return {
    first_response: targetMilestones(terms, clock, terms.first_response_minutes),
    resolution: targetMilestones(terms, clock, terms.resolution_minutes),
  };
}

function targetMilestones(terms: SlaTerms, clock: SlaClock, windowMinutes: number): SlaTargetMilestones {
  return windowMilestones(terms, clock.started_at, windowMinutes, clock.paused_minutes);
}

function windowMilestones(terms: SlaTerms, start: Date, windowMinutes: number, pausedMinutes: number): SlaTargetMilestones {
  const ratio = Math.min(Math.max(terms.near_breach_ratio, 0), 1);
  const warning = terms.near_breach_minutes != null ? Math.min(terms.near_breach_minutes, windowMinutes) : windowMinutes * ratio;
  const calendar = terms.business_hours;
  return {
    near_breach_at: addBusinessMinutes(start, windowMinutes - warning + pausedMinutes, calendar),
    due_at: addBusinessMinutes(start, windowMinutes + pausedMinutes, calendar),
  };
}

/**
 * The next-reply target: a window of business minutes from a requester's message to the next
 * public agent reply, with the same warning rule as the other targets.
 */
export function nextReplyMilestones(terms: SlaTerms, windowMinutes: number, requestedAt: Date): SlaTargetMilestones {
  return windowMilestones(terms, requestedAt, windowMinutes, 0);
}

/** The next near-breach or breach instant (+1 ms) of a pending next reply after `now`, if any. */
export function nextReplyEventAt(milestones: SlaTargetMilestones | null, now: Date): Date | null {
  if (!milestones) return null;
  const next = [milestones.near_breach_at.getTime() + 1, milestones.due_at.getTime() + 1].find((instant) => instant > now.getTime());
  return next === undefined ? null : new Date(next);
}

/** Due dates for a new priority's terms: same start, same paused time, new targets. */
export function recomputeOnPriorityChange(newTerms: SlaTerms, clock: SlaClock): SlaDueDates {
  // paused_minutes were counted in the old policy's calendar; when the new policy has another
  // calendar they are carried over as they are (the pause has already happened).
  return computeDueDates(newTerms, clock);
}

/** Stops the clock at `at`. Pausing a paused clock changes nothing (the first pause counts). */
export function pauseClock(clock: SlaClock, at: Date): SlaClock {
  if (clock.paused_at !== null) return { ...clock };
  return { ...clock, paused_at: at };
}

/**
 * Restarts the clock at `at`, adding the business time of the pause to paused_minutes (a pause
 * over a weekend adds nothing when the calendar does not work weekends). Resuming a running clock
 * changes nothing.
 */
export function resumeClock(clock: SlaClock, at: Date, terms: SlaTerms): SlaClock {
  if (clock.paused_at === null) return { ...clock };
  const paused = businessMinutesBetween(clock.paused_at, at, terms.business_hours);
  return { ...clock, paused_at: null, paused_minutes: clock.paused_minutes + paused };
}

export function isPauseStatus(terms: SlaTerms, status: string): boolean {
  return terms.pause_statuses.includes(status);
}

/** Pauses or resumes the clock for a ticket that is now in `status` (a no-op when nothing changes). */
export function applyStatusToClock(terms: SlaTerms, clock: SlaClock, status: string, at: Date): SlaClock {
  return isPauseStatus(terms, status) ? pauseClock(clock, at) : resumeClock(clock, at, terms);
}

/**
 * The SLA state at `now`, in this order:
 *  1. resolved (resolved_at set): 'met' when neither target was missed, else 'breached'. A ticket
 *     resolved without any first response counts the resolution as its first response.
 *  2. a target already missed: 'breached'. Missed means met late (first response after its due
 *     instant) or unmet past its due instant. While paused the clock is frozen at paused_at, so
 *     a pause cannot hide a breach that happened before it, and cannot cause one either.
 *  3. paused_at set: 'paused'.
 *  4. an unmet target past its near-breach instant: 'near_breach'.
 *  5. otherwise 'on_track'.
 * Once breached a ticket stays breached: a later pause shifts the due date by at most the time
 * that has passed since.
 */
export function deriveSlaState(terms: SlaTerms, clock: SlaClock, now: Date): SlaState {
  return stateAt(slaMilestones(terms, clock), clock, now.getTime());
}

/**
 * The SLA state of a stored ticket at `now`: `met` and `breached` are final once stored; a done
 * ticket keeps the state stored when its work ended (its clock stopped then, which its row does not
 * always say: wont_fix has no resolved_at); an open ticket's is derived from its clock. Ticket
 * lists render the same rule in SQL (test/integration/sla-state-agreement.e2e-spec.ts).
 */
export function currentSlaState(stored: SlaState, status: TicketStatus, terms: SlaTerms, clock: SlaClock, now: Date): SlaState {
  if (stored === 'met' || stored === 'breached' || !isOpenStatus(status)) return stored;
  return deriveSlaState(terms, clock, now);
}

function stateAt(milestones: SlaMilestones, clock: SlaClock, now: number): SlaState {
  const firstResponseDue = milestones.first_response.due_at.getTime();
  const resolutionDue = milestones.resolution.due_at.getTime();
  const firstResponseAt = (clock.first_responded_at ?? clock.resolved_at)?.getTime() ?? null;
  const resolvedAt = clock.resolved_at?.getTime() ?? null;
  const metLate = (firstResponseAt !== null && firstResponseAt > firstResponseDue) || (resolvedAt !== null && resolvedAt > resolutionDue);

  if (resolvedAt !== null) return metLate ? 'breached' : 'met';
  if (metLate) return 'breached';

  const unmet: SlaTargetMilestones[] = [milestones.resolution];
  if (firstResponseAt === null) unmet.push(milestones.first_response);
  const at = clock.paused_at?.getTime() ?? now;
  if (unmet.some((target) => at > target.due_at.getTime())) return 'breached';
  if (clock.paused_at !== null) return 'paused';
  if (unmet.some((target) => at > target.near_breach_at.getTime())) return 'near_breach';
  return 'on_track';
}

/**
 * The first instant after `now` at which deriveSlaState gives another state: one millisecond after
 * the next near-breach or due instant of an unmet target that actually changes the state. null
 * when nothing can change without an event: paused, resolved, or already breached.
 */
export function nextSlaCheckAt(terms: SlaTerms, clock: SlaClock, now: Date): Date | null {
  if (clock.paused_at !== null || clock.resolved_at !== null) return null;
  const milestones = slaMilestones(terms, clock);
  const nowMs = now.getTime();
  const current = stateAt(milestones, clock, nowMs);
  if (current === 'breached') return null;

  const unmet: SlaTargetMilestones[] = [milestones.resolution];
  if (clock.first_responded_at === null) unmet.push(milestones.first_response);
  const candidates = unmet
    .flatMap((target) => [target.near_breach_at.getTime() + 1, target.due_at.getTime() + 1])
    .filter((instant) => instant > nowMs)
    .sort((a, b) => a - b);
  // E.g. the resolution's near-breach instant while the first response is already near breach
  // changes nothing: skip to the next instant that does.
  for (const instant of candidates) {
    if (stateAt(milestones, clock, instant) !== current) return new Date(instant);
  }
  return null;
}

/**
 * The next instant after `now` at which an SLA event falls due: one millisecond after a
 * near-breach or due instant of a target not met yet. Unlike nextSlaCheckAt it does not stop at
 * the first breach: the resolution's breach still has to be acted on after the first response's.
 * null when paused or resolved.
 */
export function nextSlaEventAt(terms: SlaTerms, clock: SlaClock, now: Date): Date | null {
  if (clock.paused_at !== null || clock.resolved_at !== null) return null;
  const milestones = slaMilestones(terms, clock);
  const unmet: SlaTargetMilestones[] = [milestones.resolution];
  if (clock.first_responded_at === null) unmet.push(milestones.first_response);
  const nowMs = now.getTime();
  const next = unmet
    .flatMap((target) => [target.near_breach_at.getTime() + 1, target.due_at.getTime() + 1])
    .filter((instant) => instant > nowMs)
    .sort((a, b) => a - b)[0];
  return next === undefined ? null : new Date(next);
}
