import { BusinessHoursCalendar } from './business-hours';
import {
  currentSlaState,
  applyStatusToClock,
  computeDueDates,
  deriveSlaState,
  isPauseStatus,
  nextSlaCheckAt,
  nextSlaEventAt,
  nextReplyEventAt,
  nextReplyMilestones,
  pauseClock,
  recomputeOnPriorityChange,
  resumeClock,
  SlaClock,
  SlaTerms,
  slaMilestones,
} from './sla-clock';
import { DEFAULT_PAUSE_STATUSES, SlaState, TicketStatus } from './tickets';

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());
const dueIso = (terms: SlaTerms, clock: SlaClock) => {
  const due = computeDueDates(terms, clock);
  return { first_response_due_at: due.first_response_due_at.toISOString(), resolution_due_at: due.resolution_due_at.toISOString() };
};
const clockAt = (startedIso: string, overrides: Partial<SlaClock> = {}): SlaClock => ({
  started_at: at(startedIso),
  paused_at: null,
  paused_minutes: 0,
  first_responded_at: null,
  resolved_at: null,
  ...overrides,
});

// Berlin 09:00–17:00 Monday to Friday. June 2026: Fri 5, Sat 6, Sun 7, Mon 8, Tue 9; CEST = UTC+2.
const BERLIN: BusinessHoursCalendar = {
  time_zone: 'Europe/Berlin',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [{ start: '09:00', end: '17:00' }]])),
};

// 24/7: first response 60 min (near breach after 45), resolution 240 min (near breach after 180).
const PLAIN: SlaTerms = {
  first_response_minutes: 60,
  resolution_minutes: 240,
  near_breach_ratio: 0.25,
  business_hours: null,
  pause_statuses: DEFAULT_PAUSE_STATUSES,
};
const PLAIN_START = '2026-06-01T08:00:00.000Z';

// Business hours: first response 120 business minutes (near after 96), resolution 960 (near after 768).
const OFFICE: SlaTerms = {
  first_response_minutes: 120,
  resolution_minutes: 960,
  near_breach_ratio: 0.2,
  business_hours: BERLIN,
  pause_statuses: DEFAULT_PAUSE_STATUSES,
};
// Friday 5 June 15:00 CEST.
const OFFICE_START = '2026-06-05T13:00:00.000Z';

describe('computeDueDates', () => {
  it('adds wall-clock minutes without a calendar', () => {
    expect(dueIso(PLAIN, clockAt(PLAIN_START))).toEqual({
      first_response_due_at: '2026-06-01T09:00:00.000Z',
      resolution_due_at: '2026-06-01T12:00:00.000Z',
    });
  });

  it('counts business minutes with a calendar', () => {
    // First response: Fri 15:00 + 120 = Fri 17:00 CEST. Resolution: 120 Fri + 480 Mon + 360 Tue
    // = Tue 15:00 CEST.
    expect(dueIso(OFFICE, clockAt(OFFICE_START))).toEqual({
      first_response_due_at: '2026-06-05T15:00:00.000Z',
      resolution_due_at: '2026-06-09T13:00:00.000Z',
    });
  });

  it('starts counting at the next opening for a ticket raised outside hours', () => {
    // Raised Saturday: first response Mon 11:00 CEST, resolution 960 = Mon + Tue → Tue 17:00 CEST.
    expect(dueIso(OFFICE, clockAt('2026-06-06T10:00:00.000Z'))).toEqual({
      first_response_due_at: '2026-06-08T09:00:00.000Z',
      resolution_due_at: '2026-06-09T15:00:00.000Z',
    });
  });

  it('shifts both due dates by the paused minutes', () => {
    expect(dueIso(PLAIN, clockAt(PLAIN_START, { paused_minutes: 30 }))).toEqual({
      first_response_due_at: '2026-06-01T09:30:00.000Z',
      resolution_due_at: '2026-06-01T12:30:00.000Z',
    });
  });

  it('ignores the open pause (stored shift only) while paused', () => {
    expect(dueIso(PLAIN, clockAt(PLAIN_START, { paused_at: at('2026-06-01T08:10:00.000Z'), paused_minutes: 5 }))).toEqual({
      first_response_due_at: '2026-06-01T09:05:00.000Z',
      resolution_due_at: '2026-06-01T12:05:00.000Z',
    });
  });

  it('slaMilestones gives the near-breach instants too', () => {
    const plain = slaMilestones(PLAIN, clockAt(PLAIN_START));
    expect(iso(plain.first_response.near_breach_at)).toBe('2026-06-01T08:45:00.000Z');
    expect(iso(plain.resolution.near_breach_at)).toBe('2026-06-01T11:00:00.000Z');
    const office = slaMilestones(OFFICE, clockAt(OFFICE_START));
    // 96 business minutes after Fri 15:00 = Fri 16:36 CEST.
    expect(iso(office.first_response.near_breach_at)).toBe('2026-06-05T14:36:00.000Z');
    // 768 = 120 Fri + 480 Mon + 168 Tue → Tue 11:48 CEST.
    expect(iso(office.resolution.near_breach_at)).toBe('2026-06-09T09:48:00.000Z');
  });
});

describe('pauseClock / resumeClock', () => {
  it('shifts the due dates by exactly the paused time (no calendar)', () => {
    const running = clockAt(PLAIN_START);
    const paused = pauseClock(running, at('2026-06-01T08:10:00.000Z'));
    expect(iso(paused.paused_at)).toBe('2026-06-01T08:10:00.000Z');
    const resumed = resumeClock(paused, at('2026-06-01T08:40:00.000Z'), PLAIN);
    expect(resumed.paused_at).toBeNull();
    expect(resumed.paused_minutes).toBe(30);
    expect(dueIso(PLAIN, resumed)).toEqual({
      first_response_due_at: '2026-06-01T09:30:00.000Z',
      resolution_due_at: '2026-06-01T12:30:00.000Z',
    });
  });

  it('shifts the due dates by the business time paused (calendar)', () => {
    // Paused Mon 10:00–11:30 CEST: 90 business minutes.
    const paused = pauseClock(clockAt(OFFICE_START), at('2026-06-08T08:00:00.000Z'));
    const resumed = resumeClock(paused, at('2026-06-08T09:30:00.000Z'), OFFICE);
    expect(resumed.paused_minutes).toBe(90);
    // First response: 120 Fri + 90 Mon → Mon 10:30 CEST; resolution: 120 + 480 + 450 → Tue 16:30.
    expect(dueIso(OFFICE, resumed)).toEqual({
      first_response_due_at: '2026-06-08T08:30:00.000Z',
      resolution_due_at: '2026-06-09T14:30:00.000Z',
    });
  });

  it('a pause over the weekend shifts nothing', () => {
    // Paused Fri 17:00 → Mon 09:00 CEST.
    const resumed = resumeClock(pauseClock(clockAt(OFFICE_START), at('2026-06-05T15:00:00.000Z')), at('2026-06-08T07:00:00.000Z'), OFFICE);
    expect(resumed.paused_minutes).toBe(0);
    expect(dueIso(OFFICE, resumed)).toEqual({
      first_response_due_at: '2026-06-05T15:00:00.000Z',
      resolution_due_at: '2026-06-09T13:00:00.000Z',
    });
  });

  it('a pause spanning the weekend counts only its working hours', () => {
    // Fri 16:00 → Mon 10:00 CEST: 60 + 60 business minutes; resolution 1080 → Tue 17:00 CEST.
    const resumed = resumeClock(pauseClock(clockAt(OFFICE_START), at('2026-06-05T14:00:00.000Z')), at('2026-06-08T08:00:00.000Z'), OFFICE);
    expect(resumed.paused_minutes).toBe(120);
    expect(iso(computeDueDates(OFFICE, resumed).resolution_due_at)).toBe('2026-06-09T15:00:00.000Z');
  });

  it('accumulates successive pauses', () => {
    let clock = clockAt(PLAIN_START);
    clock = resumeClock(pauseClock(clock, at('2026-06-01T08:10:00.000Z')), at('2026-06-01T08:20:00.000Z'), PLAIN);
    clock = resumeClock(pauseClock(clock, at('2026-06-01T08:30:00.000Z')), at('2026-06-01T08:32:30.000Z'), PLAIN);
    expect(clock.paused_minutes).toBe(12.5);
    expect(iso(computeDueDates(PLAIN, clock).first_response_due_at)).toBe('2026-06-01T09:12:30.000Z');
  });

  it('is pure and idempotent', () => {
    const running = clockAt(PLAIN_START);
    const paused = pauseClock(running, at('2026-06-01T08:10:00.000Z'));
    expect(running.paused_at).toBeNull();
    expect(paused).not.toBe(running);
    // Pausing again keeps the first pause.
    expect(iso(pauseClock(paused, at('2026-06-01T08:20:00.000Z')).paused_at)).toBe('2026-06-01T08:10:00.000Z');
    // Resuming a running clock changes nothing.
    expect(resumeClock(running, at('2026-06-01T09:00:00.000Z'), PLAIN)).toEqual(running);
    const resumed = resumeClock(paused, at('2026-06-01T08:40:00.000Z'), PLAIN);
    expect(iso(paused.paused_at)).toBe('2026-06-01T08:10:00.000Z');
    expect(paused.paused_minutes).toBe(0);
    expect(resumed).not.toBe(paused);
  });

  it('applyStatusToClock pauses in pause statuses and resumes otherwise', () => {
    expect(isPauseStatus(PLAIN, 'awaiting_customer')).toBe(true);
    expect(isPauseStatus(PLAIN, 'awaiting_third_party')).toBe(true);
    expect(isPauseStatus(PLAIN, 'open')).toBe(false);
    const paused = applyStatusToClock(PLAIN, clockAt(PLAIN_START), 'awaiting_customer', at('2026-06-01T08:10:00.000Z'));
    expect(iso(paused.paused_at)).toBe('2026-06-01T08:10:00.000Z');
    const stillPaused = applyStatusToClock(PLAIN, paused, 'awaiting_third_party', at('2026-06-01T08:20:00.000Z'));
    expect(iso(stillPaused.paused_at)).toBe('2026-06-01T08:10:00.000Z');
    const resumed = applyStatusToClock(PLAIN, stillPaused, 'open', at('2026-06-01T08:25:00.000Z'));
    expect(resumed.paused_at).toBeNull();
    expect(resumed.paused_minutes).toBe(15);
  });
});

describe('deriveSlaState (24/7: first response due 09:00, near 08:45; resolution due 12:00, near 11:00)', () => {
  const state = (clock: SlaClock, nowIso: string) => deriveSlaState(PLAIN, clock, at(nowIso));
  const fresh = clockAt(PLAIN_START);

  it.each([
    ['at the start', '2026-06-01T08:00:00.000Z', 'on_track'],
    ['before the near-breach instant', '2026-06-01T08:44:59.999Z', 'on_track'],
    ['exactly at the near-breach instant', '2026-06-01T08:45:00.000Z', 'on_track'],
    ['just after the near-breach instant', '2026-06-01T08:45:00.001Z', 'near_breach'],
    ['exactly at the due instant', '2026-06-01T09:00:00.000Z', 'near_breach'],
    ['just after the due instant', '2026-06-01T09:00:00.001Z', 'breached'],
    ['long after', '2026-06-02T09:00:00.000Z', 'breached'],
  ])('no first response yet, %s', (_name, nowIso, expected) => {
    expect(state(fresh, nowIso)).toBe(expected);
  });

  it.each([
    ['after the first-response due instant', '2026-06-01T09:30:00.000Z', 'on_track'],
    ['exactly at the resolution near-breach instant', '2026-06-01T11:00:00.000Z', 'on_track'],
    ['just after it', '2026-06-01T11:00:00.001Z', 'near_breach'],
    ['exactly at the resolution due instant', '2026-06-01T12:00:00.000Z', 'near_breach'],
    ['just after it', '2026-06-01T12:00:00.001Z', 'breached'],
  ])('first response in time (08:50), %s', (_name, nowIso, expected) => {
    expect(state(clockAt(PLAIN_START, { first_responded_at: at('2026-06-01T08:50:00.000Z') }), nowIso)).toBe(expected);
  });

  it('a first response exactly at its due instant is in time', () => {
    expect(state(clockAt(PLAIN_START, { first_responded_at: at('2026-06-01T09:00:00.000Z') }), '2026-06-01T09:30:00.000Z')).toBe('on_track');
  });

  it('a late first response leaves the ticket breached', () => {
    expect(state(clockAt(PLAIN_START, { first_responded_at: at('2026-06-01T09:00:00.001Z') }), '2026-06-01T09:30:00.000Z')).toBe('breached');
  });

  it.each([
    ['before the first-response due instant', '2026-06-01T08:20:00.000Z', 'paused'],
    ['in first-response near breach', '2026-06-01T08:50:00.000Z', 'paused'],
    ['exactly at the first-response due instant', '2026-06-01T09:00:00.000Z', 'paused'],
    ['after the first-response due instant', '2026-06-01T09:00:00.001Z', 'breached'],
  ])('paused %s stays that way however long the pause lasts', (_name, pausedIso, expected) => {
    const clock = clockAt(PLAIN_START, { paused_at: at(pausedIso) });
    expect(state(clock, '2026-06-03T00:00:00.000Z')).toBe(expected);
  });

  it('a late first response is breached even while paused', () => {
    const clock = clockAt(PLAIN_START, { first_responded_at: at('2026-06-01T09:10:00.000Z'), paused_at: at('2026-06-01T09:20:00.000Z') });
    expect(state(clock, '2026-06-01T09:30:00.000Z')).toBe('breached');
  });

  it('after a 30-minute pause the boundaries move by 30 minutes', () => {
    const clock = clockAt(PLAIN_START, { paused_minutes: 30 });
    expect(state(clock, '2026-06-01T09:15:00.000Z')).toBe('on_track');
    expect(state(clock, '2026-06-01T09:15:00.001Z')).toBe('near_breach');
    expect(state(clock, '2026-06-01T09:30:00.000Z')).toBe('near_breach');
    expect(state(clock, '2026-06-01T09:30:00.001Z')).toBe('breached');
  });

  it.each([
    ['responded and resolved in time', '2026-06-01T08:30:00.000Z', '2026-06-01T11:30:00.000Z', 'met'],
    ['both exactly at their due instants', '2026-06-01T09:00:00.000Z', '2026-06-01T12:00:00.000Z', 'met'],
    ['resolved 1 ms late', '2026-06-01T08:30:00.000Z', '2026-06-01T12:00:00.001Z', 'breached'],
    ['first response late, resolved in time', '2026-06-01T09:01:00.000Z', '2026-06-01T10:00:00.000Z', 'breached'],
    ['resolved without a response before the first-response due', null, '2026-06-01T08:59:00.000Z', 'met'],
    ['resolved without a response after the first-response due', null, '2026-06-01T09:30:00.000Z', 'breached'],
  ])('resolved: %s', (_name, respondedIso, resolvedIso, expected) => {
    const clock = clockAt(PLAIN_START, { first_responded_at: respondedIso === null ? null : at(respondedIso), resolved_at: at(resolvedIso) });
    // `now` long after does not matter once resolved.
    expect(state(clock, '2026-06-10T00:00:00.000Z')).toBe(expected);
  });

  it('resolution wins over a pause left open', () => {
    const clock = clockAt(PLAIN_START, {
      first_responded_at: at('2026-06-01T08:30:00.000Z'),
      paused_at: at('2026-06-01T09:00:00.000Z'),
      resolved_at: at('2026-06-01T10:00:00.000Z'),
    });
    expect(state(clock, '2026-06-01T10:00:00.000Z')).toBe('met');
  });
});

describe('deriveSlaState with business hours', () => {
  const fresh = clockAt(OFFICE_START);

  it.each([
    ['Fri 16:00 CEST', '2026-06-05T14:00:00.000Z', 'on_track'],
    ['exactly at the near-breach instant (Fri 16:36)', '2026-06-05T14:36:00.000Z', 'on_track'],
    ['just after it', '2026-06-05T14:36:00.001Z', 'near_breach'],
    ['exactly at closing, the due instant', '2026-06-05T15:00:00.000Z', 'near_breach'],
    ['just after closing', '2026-06-05T15:00:00.001Z', 'breached'],
    ['Saturday', '2026-06-06T10:00:00.000Z', 'breached'],
  ])('no first response, %s', (_name, nowIso, expected) => {
    expect(deriveSlaState(OFFICE, fresh, at(nowIso))).toBe(expected);
  });

  it('after a first response in time, the weekend is on track and Tuesday approaches breach', () => {
    const clock = clockAt(OFFICE_START, { first_responded_at: at('2026-06-05T14:50:00.000Z') });
    expect(deriveSlaState(OFFICE, clock, at('2026-06-06T10:00:00.000Z'))).toBe('on_track');
    expect(deriveSlaState(OFFICE, clock, at('2026-06-09T09:48:00.000Z'))).toBe('on_track');
    expect(deriveSlaState(OFFICE, clock, at('2026-06-09T09:48:00.001Z'))).toBe('near_breach');
    expect(deriveSlaState(OFFICE, clock, at('2026-06-09T13:00:00.000Z'))).toBe('near_breach');
    expect(deriveSlaState(OFFICE, clock, at('2026-06-09T13:00:00.001Z'))).toBe('breached');
    expect(deriveSlaState(OFFICE, { ...clock, resolved_at: at('2026-06-09T12:59:00.000Z') }, at('2026-06-09T14:00:00.000Z'))).toBe('met');
  });

  it('a near-breach instant at Friday closing means near breach over the weekend', () => {
    // Raised Fri 16:00 CEST, first response 120 min with ratio 0.5: near breach after 60 (Fri
    // 17:00), due Mon 10:00 CEST.
    const terms: SlaTerms = { ...OFFICE, near_breach_ratio: 0.5 };
    const clock = clockAt('2026-06-05T14:00:00.000Z');
    expect(deriveSlaState(terms, clock, at('2026-06-05T15:00:00.000Z'))).toBe('on_track');
    expect(deriveSlaState(terms, clock, at('2026-06-06T10:00:00.000Z'))).toBe('near_breach');
    expect(deriveSlaState(terms, clock, at('2026-06-08T08:00:00.000Z'))).toBe('near_breach');
    expect(deriveSlaState(terms, clock, at('2026-06-08T08:00:00.001Z'))).toBe('breached');
  });
});

describe('recomputeOnPriorityChange', () => {
  it('keeps started_at and paused minutes, applies the new targets (24/7)', () => {
    const critical: SlaTerms = { ...PLAIN, first_response_minutes: 30, resolution_minutes: 120 };
    const clock = clockAt(PLAIN_START, { paused_minutes: 30 });
    const due = recomputeOnPriorityChange(critical, clock);
    expect(iso(due.first_response_due_at)).toBe('2026-06-01T09:00:00.000Z');
    expect(iso(due.resolution_due_at)).toBe('2026-06-01T10:30:00.000Z');
  });

  it('keeps started_at and paused minutes, applies the new targets (business hours)', () => {
    const urgent: SlaTerms = { ...OFFICE, first_response_minutes: 30, resolution_minutes: 480 };
    const clock = clockAt(OFFICE_START, { paused_minutes: 60 });
    const due = recomputeOnPriorityChange(urgent, clock);
    // 90 after Fri 15:00 → Fri 16:30 CEST; 540 → 120 Fri + 420 Mon → Mon 16:00 CEST.
    expect(iso(due.first_response_due_at)).toBe('2026-06-05T14:30:00.000Z');
    expect(iso(due.resolution_due_at)).toBe('2026-06-08T14:00:00.000Z');
  });

  it('can change the state at once', () => {
    const critical: SlaTerms = { ...PLAIN, first_response_minutes: 30, resolution_minutes: 120 };
    const clock = clockAt(PLAIN_START);
    // Old terms: near breach after 08:45. New: near breach after 08:22:30, due 08:30.
    expect(deriveSlaState(PLAIN, clock, at('2026-06-01T08:25:00.000Z'))).toBe('on_track');
    expect(deriveSlaState(critical, clock, at('2026-06-01T08:25:00.000Z'))).toBe('near_breach');
    expect(deriveSlaState(critical, clock, at('2026-06-01T08:40:00.000Z'))).toBe('breached');
  });
});

describe('nextSlaCheckAt', () => {
  const next = (terms: SlaTerms, clock: SlaClock, nowIso: string) => iso(nextSlaCheckAt(terms, clock, at(nowIso)));

  it('walks through near breach and breach of the first response', () => {
    const clock = clockAt(PLAIN_START);
    expect(next(PLAIN, clock, '2026-06-01T08:00:00.000Z')).toBe('2026-06-01T08:45:00.001Z');
    expect(next(PLAIN, clock, '2026-06-01T08:45:00.000Z')).toBe('2026-06-01T08:45:00.001Z');
    expect(next(PLAIN, clock, '2026-06-01T08:45:00.001Z')).toBe('2026-06-01T09:00:00.001Z');
    expect(next(PLAIN, clock, '2026-06-01T08:50:00.000Z')).toBe('2026-06-01T09:00:00.001Z');
  });

  it('returns the instant at which the state has changed', () => {
    const clock = clockAt(PLAIN_START);
    for (const nowIso of ['2026-06-01T08:00:00.000Z', '2026-06-01T08:50:00.000Z']) {
      const check = nextSlaCheckAt(PLAIN, clock, at(nowIso))!;
      expect(deriveSlaState(PLAIN, clock, check)).not.toBe(deriveSlaState(PLAIN, clock, new Date(check.getTime() - 1)));
    }
  });

  it('is null once breached, paused or resolved', () => {
    expect(next(PLAIN, clockAt(PLAIN_START), '2026-06-01T09:00:00.001Z')).toBeNull();
    expect(next(PLAIN, clockAt(PLAIN_START, { paused_at: at('2026-06-01T08:10:00.000Z') }), '2026-06-01T08:20:00.000Z')).toBeNull();
    expect(
      next(
        PLAIN,
        clockAt(PLAIN_START, { first_responded_at: at('2026-06-01T08:10:00.000Z'), resolved_at: at('2026-06-01T08:20:00.000Z') }),
        '2026-06-01T08:30:00.000Z',
      ),
    ).toBeNull();
  });

  it('follows the resolution target after the first response', () => {
    const clock = clockAt(PLAIN_START, { first_responded_at: at('2026-06-01T08:50:00.000Z') });
    expect(next(PLAIN, clock, '2026-06-01T08:50:00.000Z')).toBe('2026-06-01T11:00:00.001Z');
    expect(next(PLAIN, clock, '2026-06-01T11:30:00.000Z')).toBe('2026-06-01T12:00:00.001Z');
  });

  it('skips instants that do not change the state', () => {
    // First response 60 (near 08:45, due 09:00); resolution 70 (near 08:52:30, due 09:10).
    const terms: SlaTerms = { ...PLAIN, resolution_minutes: 70 };
    const clock = clockAt(PLAIN_START);
    expect(next(terms, clock, '2026-06-01T08:00:00.000Z')).toBe('2026-06-01T08:45:00.001Z');
    // Near breach already: the resolution's near-breach at 08:52:30 changes nothing.
    expect(next(terms, clock, '2026-06-01T08:46:00.000Z')).toBe('2026-06-01T09:00:00.001Z');
  });

  it('accounts for paused minutes after a resume', () => {
    const clock = clockAt(PLAIN_START, { paused_minutes: 30 });
    expect(next(PLAIN, clock, '2026-06-01T09:00:00.000Z')).toBe('2026-06-01T09:15:00.001Z');
  });

  it('uses business hours', () => {
    expect(next(OFFICE, clockAt(OFFICE_START), '2026-06-05T14:00:00.000Z')).toBe('2026-06-05T14:36:00.001Z');
    expect(next(OFFICE, clockAt(OFFICE_START), '2026-06-05T14:40:00.000Z')).toBe('2026-06-05T15:00:00.001Z');
    const responded = clockAt(OFFICE_START, { first_responded_at: at('2026-06-05T14:50:00.000Z') });
    // Friday evening: nothing happens until Tuesday 11:48 CEST.
    expect(next(OFFICE, responded, '2026-06-05T16:00:00.000Z')).toBe('2026-06-09T09:48:00.001Z');
    expect(next(OFFICE, responded, '2026-06-09T10:00:00.000Z')).toBe('2026-06-09T13:00:00.001Z');
    // Near-breach instant at Friday closing.
    const half: SlaTerms = { ...OFFICE, near_breach_ratio: 0.5 };
    expect(next(half, clockAt('2026-06-05T14:00:00.000Z'), '2026-06-05T14:30:00.000Z')).toBe('2026-06-05T15:00:00.001Z');
    expect(next(half, clockAt('2026-06-05T14:00:00.000Z'), '2026-06-06T10:00:00.000Z')).toBe('2026-06-08T08:00:00.001Z');
  });
});

describe('nextSlaEventAt and near_breach_minutes', () => {
  const terms: SlaTerms = {
    first_response_minutes: 60,
    resolution_minutes: 240,
    near_breach_ratio: 0.25,
    business_hours: null,
    pause_statuses: ['awaiting_customer'],
  };
  const clock: SlaClock = { started_at: new Date('2026-03-02T10:00:00.000Z'), paused_at: null, paused_minutes: 0, first_responded_at: null, resolved_at: null };

  it('walks every near-breach and breach instant of unmet targets, past the first breach too', () => {
    expect(nextSlaEventAt(terms, clock, new Date('2026-03-02T10:00:00.000Z'))?.toISOString()).toBe('2026-03-02T10:45:00.001Z');
    expect(nextSlaEventAt(terms, clock, new Date('2026-03-02T10:45:00.001Z'))?.toISOString()).toBe('2026-03-02T11:00:00.001Z');
    // First response breached: the resolution's near-breach (after 180 of 240 minutes) and due still come.
    expect(nextSlaEventAt(terms, clock, new Date('2026-03-02T11:00:00.001Z'))?.toISOString()).toBe('2026-03-02T13:00:00.001Z');
    expect(nextSlaEventAt(terms, clock, new Date('2026-03-02T13:00:00.001Z'))?.toISOString()).toBe('2026-03-02T14:00:00.001Z');
    expect(nextSlaEventAt(terms, clock, new Date('2026-03-02T14:00:00.001Z'))).toBeNull();
  });

  it('skips the first response once it is met, and stops when paused or resolved', () => {
    const answered = { ...clock, first_responded_at: new Date('2026-03-02T10:10:00.000Z') };
    expect(nextSlaEventAt(terms, answered, new Date('2026-03-02T10:10:00.000Z'))?.toISOString()).toBe('2026-03-02T13:00:00.001Z');
    expect(nextSlaEventAt(terms, { ...clock, paused_at: new Date('2026-03-02T10:05:00.000Z') }, new Date('2026-03-02T10:06:00.000Z'))).toBeNull();
    expect(nextSlaEventAt(terms, { ...clock, resolved_at: new Date('2026-03-02T10:30:00.000Z') }, new Date('2026-03-02T10:31:00.000Z'))).toBeNull();
  });

  it('puts the warning a fixed number of minutes before each due instant when near_breach_minutes is set', () => {
    const minutes = { ...terms, near_breach_minutes: 10 };
    expect(slaMilestones(minutes, clock).first_response.near_breach_at.toISOString()).toBe('2026-03-02T10:50:00.000Z');
    expect(slaMilestones(minutes, clock).resolution.near_breach_at.toISOString()).toBe('2026-03-02T13:50:00.000Z');
    // A warning longer than the window starts at the window's start.
    expect(slaMilestones({ ...terms, near_breach_minutes: 500 }, clock).first_response.near_breach_at.toISOString()).toBe('2026-03-02T10:00:00.000Z');
  });
});

describe('next-reply target', () => {
  const terms: SlaTerms = { first_response_minutes: 60, resolution_minutes: 240, near_breach_ratio: 0.25, business_hours: null, pause_statuses: [] };

  it('runs its own window from the requester’s message, warning with the same rule', () => {
    const milestones = nextReplyMilestones(terms, 20, new Date('2026-03-02T12:00:00.000Z'));
    expect(milestones.near_breach_at.toISOString()).toBe('2026-03-02T12:15:00.000Z');
    expect(milestones.due_at.toISOString()).toBe('2026-03-02T12:20:00.000Z');
    expect(nextReplyMilestones({ ...terms, near_breach_minutes: 2 }, 20, new Date('2026-03-02T12:00:00.000Z')).near_breach_at.toISOString()).toBe(
      '2026-03-02T12:18:00.000Z',
    );
  });

  it('gives its next instant to act, then none', () => {
    const milestones = nextReplyMilestones(terms, 20, new Date('2026-03-02T12:00:00.000Z'));
    expect(nextReplyEventAt(milestones, new Date('2026-03-02T12:00:00.000Z'))?.toISOString()).toBe('2026-03-02T12:15:00.001Z');
    expect(nextReplyEventAt(milestones, new Date('2026-03-02T12:15:00.001Z'))?.toISOString()).toBe('2026-03-02T12:20:00.001Z');
    expect(nextReplyEventAt(milestones, new Date('2026-03-02T12:20:00.001Z'))).toBeNull();
    expect(nextReplyEventAt(null, new Date('2026-03-02T12:00:00.000Z'))).toBeNull();
  });
});

describe('currentSlaState', () => {
  const terms: SlaTerms = {
    first_response_minutes: 60,
    resolution_minutes: 240,
    near_breach_ratio: 0.25,
    near_breach_minutes: null,
    business_hours: null,
    pause_statuses: DEFAULT_PAUSE_STATUSES,
  };
  const started = new Date('2026-12-01T08:00:00Z');
  const clock: SlaClock = { started_at: started, paused_at: null, paused_minutes: 0, first_responded_at: null, resolved_at: null };
  const at = (minutes: number) => new Date(started.getTime() + minutes * 60_000);

  it.each<[SlaState, TicketStatus, number, SlaState]>([
    // Stored met and breached are final, whatever the clock says now.
    ['met', 'open', 500, 'met'],
    ['breached', 'open', 10, 'breached'],
    // A done ticket keeps what was stored when its work ended.
    ['on_track', 'wont_fix', 500, 'on_track'],
    ['near_breach', 'closed', 500, 'near_breach'],
    // An open ticket's state is its clock's, however stale the stored one.
    ['on_track', 'open', 50, 'near_breach'],
    ['on_track', 'in_progress', 61, 'breached'],
    ['near_breach', 'new', 10, 'on_track'],
  ])('stored %s on a %s ticket, %s minutes in: %s', (stored, status, minutes, expected) => {
    expect(currentSlaState(stored, status, terms, clock, at(minutes))).toBe(expected);
  });
});
