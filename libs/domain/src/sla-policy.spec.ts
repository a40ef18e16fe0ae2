import { BusinessHoursCalendar, guaranteedBusinessMinutes } from './business-hours';
import { SLA_STORED_STEP, validateSlaPolicyTerms, validateSlaTargetsFitCalendar } from './sla-policy';

const ROLES = new Set(['ops_agent', 'ops_manager']);
const terms = (near_breach_ratio: number) => ({ first_response_minutes: 60, resolution_minutes: 120, near_breach_ratio, escalation_chain: ['ops_agent'] });
const fields = (ratio: number) => validateSlaPolicyTerms(terms(ratio), ROLES).map((error) => error.field);

describe('validateSlaPolicyTerms: the near-breach ratio, stored to 4 decimal places', () => {
  it.each([SLA_STORED_STEP, 0.2, 0.5, 1 - SLA_STORED_STEP])('accepts %s', (ratio) => {
    expect(fields(ratio)).toEqual([]);
  });

  // 0.00004 would be stored as 0.0000 and 0.99996 as 1.0000, both refused by the column's check.
  it.each([0, 1, -0.5, 1.5, 0.00004, 1e-300, 0.99996, 0.999999])('refuses %s', (ratio) => {
    expect(fields(ratio)).toEqual(['near_breach_ratio']);
  });
});

describe('validateSlaTargetsFitCalendar', () => {
  const oneMinuteAWeek: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '09:01' }] } };
  // 521 weeks of one minute, less 31 DST gaps, each allowed to take what two dates hold (2 minutes).
  const GUARANTEED = 521 - 31 * 2;

  it('accepts any targets without a calendar (every minute counts)', () => {
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 525_600, resolution_minutes: 5_256_000, next_reply_minutes: 525_600 }, null)).toEqual([]);
  });

  it('accepts targets up to what the calendar guarantees within ten years', () => {
    expect(guaranteedBusinessMinutes(oneMinuteAWeek)).toBe(GUARANTEED);
    expect(
      validateSlaTargetsFitCalendar({ first_response_minutes: 1, resolution_minutes: GUARANTEED, next_reply_minutes: GUARANTEED }, oneMinuteAWeek),
    ).toEqual([]);
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 0.5, resolution_minutes: 2, next_reply_minutes: null }, oneMinuteAWeek)).toEqual([]);
  });

  it('names each target beyond it: the hostile calendar with the largest targets the API accepts', () => {
    expect(
      validateSlaTargetsFitCalendar({ first_response_minutes: 525_600, resolution_minutes: 5_256_000, next_reply_minutes: 525_600 }, oneMinuteAWeek),
    ).toEqual([
      {
        field: 'first_response_minutes',
        message: `must be at most ${GUARANTEED} minutes: that is all the working time business_hours guarantees within 10 years`,
      },
      { field: 'resolution_minutes', message: `must be at most ${GUARANTEED} minutes: that is all the working time business_hours guarantees within 10 years` },
      { field: 'next_reply_minutes', message: `must be at most ${GUARANTEED} minutes: that is all the working time business_hours guarantees within 10 years` },
    ]);
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 60, resolution_minutes: GUARANTEED + 0.001 }, oneMinuteAWeek).map((e) => e.field)).toEqual([
      'resolution_minutes',
    ]);
  });

  it('refuses a calendar whose holidays leave no certain working time, naming business_hours', () => {
    // Mondays only, and 600 Mondays from 2026 on are holidays: more than the 521 weeks.
    const holidays = Array.from({ length: 600 }, (_, week) => new Date(Date.UTC(2026, 0, 5) + week * 7 * 86_400_000).toISOString().slice(0, 10));
    const calendar: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '17:00' }] }, holidays };
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 1, resolution_minutes: 1 }, calendar)).toEqual([
      { field: 'business_hours', message: 'guarantees no working time within 10 years (its holidays take all of it), so no target can be met' },
    ]);
  });

  it('lets a round-the-clock calendar take ten years less a week or so, and a 9-to-5 one about 2.4 years of round-the-clock minutes', () => {
    const every = (hours: Array<{ start: string; end: string }>, days: string[]) => Object.fromEntries(days.map((day) => [day, hours]));
    const allDay: BusinessHoursCalendar = {
      time_zone: 'UTC',
      weekly: every([{ start: '00:00', end: '24:00' }], ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
    };
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 1, resolution_minutes: 5_240_000 }, allDay)).toEqual([]);
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 1, resolution_minutes: 5_256_000 }, allDay).map((e) => e.field)).toEqual([
      'resolution_minutes',
    ]);
    const office: BusinessHoursCalendar = {
      time_zone: 'America/New_York',
      weekly: every([{ start: '09:00', end: '17:00' }], ['mon', 'tue', 'wed', 'thu', 'fri']),
    };
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 480, resolution_minutes: 1_240_000 }, office)).toEqual([]);
    expect(validateSlaTargetsFitCalendar({ first_response_minutes: 480, resolution_minutes: 1_250_000 }, office).map((e) => e.field)).toEqual([
      'resolution_minutes',
    ]);
  });
});
