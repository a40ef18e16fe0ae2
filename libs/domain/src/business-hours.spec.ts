import {
  addBusinessMinutes,
  assertValidBusinessHours,
  BusinessHoursCalendar,
  businessMinutesBetween,
  isValidIanaTimeZone,
  MAX_HOLIDAYS,
  MAX_INTERVALS_PER_DAY,
  validateBusinessHours,
  validateBusinessHoursSize,
} from './business-hours';
import { DomainError } from './errors';

const at = (iso: string): Date => new Date(iso);
const add = (startIso: string, minutes: number, calendar: BusinessHoursCalendar | null): string =>
  addBusinessMinutes(at(startIso), minutes, calendar).toISOString();
const between = (fromIso: string, toIso: string, calendar: BusinessHoursCalendar | null): number => businessMinutesBetween(at(fromIso), at(toIso), calendar);

const nineToFive = (time_zone: string, holidays?: string[]): BusinessHoursCalendar => ({
  time_zone,
  weekly: {
    mon: [{ start: '09:00', end: '17:00' }],
    tue: [{ start: '09:00', end: '17:00' }],
    wed: [{ start: '09:00', end: '17:00' }],
    thu: [{ start: '09:00', end: '17:00' }],
    fri: [{ start: '09:00', end: '17:00' }],
  },
  ...(holidays ? { holidays } : {}),
});

// Dates used below (2026): Mon 1 June … Sun 7 June, Mon 8 June. Berlin is UTC+2 (CEST) in
// summer and UTC+1 (CET) in winter; New York is UTC-4 (EDT) / UTC-5 (EST).
const BERLIN = nineToFive('Europe/Berlin');
const NEW_YORK = nineToFive('America/New_York');
const ALL_DAY = (time_zone: string): BusinessHoursCalendar => ({
  time_zone,
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
});

describe('addBusinessMinutes without a calendar (24/7)', () => {
  it('adds wall-clock minutes', () => {
    expect(add('2026-06-06T10:00:00.000Z', 2 * 24 * 60, null)).toBe('2026-06-08T10:00:00.000Z');
    expect(add('2026-06-01T08:00:00.000Z', 0, null)).toBe('2026-06-01T08:00:00.000Z');
  });

  it('keeps fractional minutes to the millisecond', () => {
    expect(add('2026-06-01T08:00:00.000Z', 0.0001, null)).toBe('2026-06-01T08:00:00.006Z');
    expect(add('2026-06-01T08:00:00.000Z', 1.2345, null)).toBe('2026-06-01T08:01:14.070Z');
  });

  it('counts real minutes across a DST change (no calendar, no zone)', () => {
    expect(add('2026-03-28T23:00:00.000Z', 24 * 60, null)).toBe('2026-03-29T23:00:00.000Z');
  });

  it('rejects negative or non-finite minutes and invalid dates', () => {
    expect(() => addBusinessMinutes(at('2026-06-01T08:00:00.000Z'), -1, null)).toThrow(RangeError);
    expect(() => addBusinessMinutes(at('2026-06-01T08:00:00.000Z'), Number.NaN, BERLIN)).toThrow(RangeError);
    expect(() => addBusinessMinutes(at('2026-06-01T08:00:00.000Z'), Number.POSITIVE_INFINITY, null)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date('nope'), 1, null)).toThrow(RangeError);
  });
});

describe('addBusinessMinutes with a 09:00–17:00 Mon–Fri calendar (Europe/Berlin, summer)', () => {
  it('stays within one day', () => {
    // Mon 10:00 CEST + 90 min = Mon 11:30 CEST.
    expect(add('2026-06-01T08:00:00.000Z', 90, BERLIN)).toBe('2026-06-01T09:30:00.000Z');
  });

  it('returns the start itself for zero minutes inside working hours', () => {
    expect(add('2026-06-01T08:00:00.000Z', 0, BERLIN)).toBe('2026-06-01T08:00:00.000Z');
  });

  it('carries over the end of the day into the next morning', () => {
    // Mon 16:00 + 120 = 60 on Monday, 60 on Tuesday → Tue 10:00 CEST.
    expect(add('2026-06-01T14:00:00.000Z', 120, BERLIN)).toBe('2026-06-02T08:00:00.000Z');
  });

  it('lands exactly on the closing time rather than the next opening', () => {
    // Mon 16:00 + 60 = Mon 17:00 CEST.
    expect(add('2026-06-01T14:00:00.000Z', 60, BERLIN)).toBe('2026-06-01T15:00:00.000Z');
  });

  it('skips the weekend', () => {
    // Fri 5 June 16:30 + 60 = 30 on Friday, 30 on Monday → Mon 8 June 09:30 CEST.
    expect(add('2026-06-05T14:30:00.000Z', 60, BERLIN)).toBe('2026-06-08T07:30:00.000Z');
    // A whole working week: Mon 09:00 + 5 × 480 = Fri 17:00.
    expect(add('2026-06-01T07:00:00.000Z', 5 * 480, BERLIN)).toBe('2026-06-05T15:00:00.000Z');
    // One more minute goes to the following Monday.
    expect(add('2026-06-01T07:00:00.000Z', 5 * 480 + 1, BERLIN)).toBe('2026-06-08T07:01:00.000Z');
  });

  it('skips holidays', () => {
    const withHoliday = nineToFive('Europe/Berlin', ['2026-06-04']);
    // Wed 3 June 16:00 + 120: 60 on Wednesday, Thursday 4 June is a holiday, 60 on Friday → Fri 10:00.
    expect(add('2026-06-03T14:00:00.000Z', 120, withHoliday)).toBe('2026-06-05T08:00:00.000Z');
    // Without the holiday it is Thursday 10:00.
    expect(add('2026-06-03T14:00:00.000Z', 120, BERLIN)).toBe('2026-06-04T08:00:00.000Z');
    // Starting on the holiday itself: the clock starts Friday 09:00.
    expect(add('2026-06-04T08:00:00.000Z', 30, withHoliday)).toBe('2026-06-05T07:30:00.000Z');
  });

  it('matches holidays by local date, not UTC date', () => {
    // Tue 2 June 23:30 UTC is already Wed 3 June 01:30 in Berlin; Wednesday is a holiday.
    const wednesdayOff = nineToFive('Europe/Berlin', ['2026-06-03']);
    expect(add('2026-06-02T23:30:00.000Z', 60, wednesdayOff)).toBe('2026-06-04T08:00:00.000Z');
  });

  it('starts the clock at the next opening when started outside working hours', () => {
    // Mon 06:00 CEST + 30 → Mon 09:30.
    expect(add('2026-06-01T04:00:00.000Z', 30, BERLIN)).toBe('2026-06-01T07:30:00.000Z');
    // Mon 20:00 CEST + 30 → Tue 09:30.
    expect(add('2026-06-01T18:00:00.000Z', 30, BERLIN)).toBe('2026-06-02T07:30:00.000Z');
    // Sat 12:00 + 0 → Mon 09:00.
    expect(add('2026-06-06T10:00:00.000Z', 0, BERLIN)).toBe('2026-06-08T07:00:00.000Z');
    // Fri 17:00 exactly is closed: + 60 → Mon 10:00.
    expect(add('2026-06-05T15:00:00.000Z', 60, BERLIN)).toBe('2026-06-08T08:00:00.000Z');
  });

  it('handles fractional minutes to the millisecond', () => {
    // Mon 10:00 + 0.5 min = 10:00:30.
    expect(add('2026-06-01T08:00:00.000Z', 0.5, BERLIN)).toBe('2026-06-01T08:00:30.000Z');
    // 1.2345 min = 74.07 s.
    expect(add('2026-06-01T08:00:00.000Z', 1.2345, BERLIN)).toBe('2026-06-01T08:01:14.070Z');
    // Mon 16:59:30 + 1.5 min: 30 s on Monday, 60 s on Tuesday → Tue 09:01:00.
    expect(add('2026-06-01T14:59:30.000Z', 1.5, BERLIN)).toBe('2026-06-02T07:01:00.000Z');
  });

  it('does not give up on a calendar whose working days are all holidays for months', () => {
    // Mondays only, and every Monday from 1 June to 28 December 2026 is a holiday: the next
    // working Monday is 4 January 2027 (winter: CET, UTC+1), 10:00 after 60 minutes.
    const mondays = Array.from({ length: 31 }, (_, week) => new Date(Date.UTC(2026, 5, 1 + 7 * week)).toISOString().slice(0, 10));
    expect(mondays[30]).toBe('2026-12-28');
    const calendar: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '17:00' }] }, holidays: mondays };
    expect(add('2026-06-01T00:00:00.000Z', 60, calendar)).toBe('2027-01-04T09:00:00.000Z');
  });
});

describe('DST changes with a 09:00–17:00 calendar: Friday 16:00 + 120 min = Monday 10:00 local', () => {
  it.each([
    // zone, Friday 16:00 local (UTC), Monday 10:00 local (UTC), UTC offsets Friday → Monday
    ['Europe/Berlin, spring forward 2026-03-29', BERLIN, '2026-03-27T15:00:00.000Z', '2026-03-30T08:00:00.000Z'], // +1 → +2
    ['Europe/Berlin, fall back 2026-10-25', BERLIN, '2026-10-23T14:00:00.000Z', '2026-10-26T09:00:00.000Z'], // +2 → +1
    ['America/New_York, spring forward 2026-03-08', NEW_YORK, '2026-03-06T21:00:00.000Z', '2026-03-09T14:00:00.000Z'], // -5 → -4
    ['America/New_York, fall back 2026-11-01', NEW_YORK, '2026-10-30T20:00:00.000Z', '2026-11-02T15:00:00.000Z'], // -4 → -5
  ])('%s', (_name, calendar, fridayIso, mondayIso) => {
    expect(add(fridayIso, 120, calendar)).toBe(mondayIso);
    expect(between(fridayIso, mondayIso, calendar)).toBe(120);
  });

  it('the UTC instant moves by the DST shift compared with a week without a change', () => {
    // Berlin, no change: Fri 2026-03-20 16:00 CET (15:00Z) → Mon 2026-03-23 10:00 CET (09:00Z),
    // 66 h later; across the spring-forward weekend it is 65 h, across the fall-back one 67 h.
    expect(add('2026-03-20T15:00:00.000Z', 120, BERLIN)).toBe('2026-03-23T09:00:00.000Z');
    const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;
    expect(hours('2026-03-20T15:00:00.000Z', '2026-03-23T09:00:00.000Z')).toBe(66);
    expect(hours('2026-03-27T15:00:00.000Z', '2026-03-30T08:00:00.000Z')).toBe(65);
    expect(hours('2026-10-23T14:00:00.000Z', '2026-10-26T09:00:00.000Z')).toBe(67);
  });

  it('a 00:00–24:00 calendar counts the real 23 and 25 hours of DST days', () => {
    const allDay = ALL_DAY('Europe/Berlin');
    // Sun 29 March: local midnight 2026-03-28T23:00Z to local midnight 2026-03-29T22:00Z.
    expect(between('2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', allDay)).toBe(23 * 60);
    // Sun 25 October: 2026-10-24T22:00Z to 2026-10-25T23:00Z.
    expect(between('2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', allDay)).toBe(25 * 60);
    // Sat 12:00 CET + 24 h of business time = Sun 13:00 CEST.
    expect(add('2026-03-28T11:00:00.000Z', 24 * 60, allDay)).toBe('2026-03-29T11:00:00.000Z');
    // New York: Sun 8 March has 23 hours (05:00Z to 04:00Z next day).
    expect(between('2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', ALL_DAY('America/New_York'))).toBe(23 * 60);
  });

  it('an interval spanning the change counts the real elapsed time', () => {
    // Sundays 01:00–04:00 Berlin. 29 March: 01:00 CET (00:00Z) → 04:00 CEST (02:00Z) = 2 h.
    // 25 October: 01:00 CEST (2026-10-24T23:00Z) → 04:00 CET (03:00Z) = 4 h.
    const night: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { sun: [{ start: '01:00', end: '04:00' }] } };
    expect(between('2026-03-28T12:00:00.000Z', '2026-03-29T12:00:00.000Z', night)).toBe(120);
    expect(add('2026-03-28T12:00:00.000Z', 120, night)).toBe('2026-03-29T02:00:00.000Z');
    expect(between('2026-10-24T12:00:00.000Z', '2026-10-25T12:00:00.000Z', night)).toBe(240);
    expect(add('2026-10-24T12:00:00.000Z', 90, night)).toBe('2026-10-25T00:30:00.000Z');
  });

  it('local times skipped by spring-forward start when the clocks jump', () => {
    // Sunday 02:00–03:00 does not exist on 29 March: no working time that day, so the clock
    // starts at Monday's 09:00–10:00 (CEST).
    const gap: BusinessHoursCalendar = {
      time_zone: 'Europe/Berlin',
      weekly: { sun: [{ start: '02:00', end: '03:00' }], mon: [{ start: '09:00', end: '10:00' }] },
    };
    expect(add('2026-03-28T12:00:00.000Z', 30, gap)).toBe('2026-03-30T07:30:00.000Z');
    expect(between('2026-03-28T12:00:00.000Z', '2026-03-30T12:00:00.000Z', gap)).toBe(60);
    // Sunday 02:30–04:00: work starts at the jump (03:00 CEST = 01:00Z) and ends 04:00 CEST.
    const straddling: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { sun: [{ start: '02:30', end: '04:00' }] } };
    expect(add('2026-03-28T12:00:00.000Z', 0, straddling)).toBe('2026-03-29T01:00:00.000Z');
    expect(between('2026-03-28T12:00:00.000Z', '2026-03-29T12:00:00.000Z', straddling)).toBe(60);
  });

  it('local times repeated by fall-back mean their first occurrence', () => {
    // Sunday 02:30–03:30 on 25 October: from 02:30 CEST (00:30Z) to 03:30 CET (02:30Z) = 2 h.
    const repeated: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { sun: [{ start: '02:30', end: '03:30' }] } };
    expect(add('2026-10-24T12:00:00.000Z', 0, repeated)).toBe('2026-10-25T00:30:00.000Z');
    expect(between('2026-10-24T12:00:00.000Z', '2026-10-25T12:00:00.000Z', repeated)).toBe(120);
    // New York, Sunday 01:30–02:00 on 1 November: from 01:30 EDT (05:30Z) to 02:00 EST (07:00Z).
    const ny: BusinessHoursCalendar = { time_zone: 'America/New_York', weekly: { sun: [{ start: '01:30', end: '02:00' }] } };
    expect(add('2026-10-31T12:00:00.000Z', 0, ny)).toBe('2026-11-01T05:30:00.000Z');
    expect(between('2026-10-31T12:00:00.000Z', '2026-11-01T12:00:00.000Z', ny)).toBe(90);
  });
});

describe('split shifts and 24:00', () => {
  const split: BusinessHoursCalendar = {
    time_zone: 'Europe/Berlin',
    weekly: {
      mon: [
        { start: '13:00', end: '17:00' }, // listed out of order on purpose
        { start: '08:00', end: '12:00' },
      ],
      tue: [
        { start: '08:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
    },
  };

  it('skips the lunch break', () => {
    // Mon 11:30 CEST + 60 = 30 before lunch + 30 after → 13:30.
    expect(add('2026-06-01T09:30:00.000Z', 60, split)).toBe('2026-06-01T11:30:00.000Z');
    // Starting at 12:15 (lunch) + 15 → 13:15.
    expect(add('2026-06-01T10:15:00.000Z', 15, split)).toBe('2026-06-01T11:15:00.000Z');
    // Mon 16:00 + 8 h: 60 Monday, 240 + 180 Tuesday → Tue 16:00.
    expect(add('2026-06-01T14:00:00.000Z', 480, split)).toBe('2026-06-02T14:00:00.000Z');
    // Mon 11:00 → 14:00 is 60 + 60 business minutes.
    expect(between('2026-06-01T09:00:00.000Z', '2026-06-01T12:00:00.000Z', split)).toBe(120);
  });

  it('runs through midnight when one day ends at 24:00 and the next starts at 00:00', () => {
    const nights: BusinessHoursCalendar = {
      time_zone: 'Europe/Berlin',
      weekly: { mon: [{ start: '20:00', end: '24:00' }], tue: [{ start: '00:00', end: '04:00' }] },
    };
    // Mon 23:00 CEST + 120 → Tue 01:00 CEST.
    expect(add('2026-06-01T21:00:00.000Z', 120, nights)).toBe('2026-06-01T23:00:00.000Z');
    expect(between('2026-06-01T18:00:00.000Z', '2026-06-02T02:00:00.000Z', nights)).toBe(480);
  });

  it('24:00 ends the day when the next day is closed', () => {
    const evenings: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '20:00', end: '24:00' }] } };
    // Mon 1 June 23:30 + 60: 30 on Monday, then Mon 8 June 20:30 CEST.
    expect(add('2026-06-01T21:30:00.000Z', 60, evenings)).toBe('2026-06-08T18:30:00.000Z');
    // Landing exactly on 24:00 gives local midnight (Tue 00:00 CEST).
    expect(add('2026-06-01T21:30:00.000Z', 30, evenings)).toBe('2026-06-01T22:00:00.000Z');
  });
});

describe('businessMinutesBetween', () => {
  it('is 0 when to is not after from', () => {
    expect(between('2026-06-01T10:00:00.000Z', '2026-06-01T10:00:00.000Z', BERLIN)).toBe(0);
    expect(between('2026-06-01T10:00:00.000Z', '2026-06-01T09:00:00.000Z', BERLIN)).toBe(0);
    expect(between('2026-06-01T10:00:00.000Z', '2026-06-01T09:00:00.000Z', null)).toBe(0);
  });

  it('counts wall-clock minutes without a calendar, fractions included', () => {
    expect(between('2026-06-01T10:00:00.000Z', '2026-06-01T10:01:30.000Z', null)).toBe(1.5);
    expect(between('2026-06-05T10:00:00.000Z', '2026-06-08T10:00:00.000Z', null)).toBe(4320);
  });

  it('counts only working time with a calendar', () => {
    // Mon 10:00 → Mon 11:30 CEST.
    expect(between('2026-06-01T08:00:00.000Z', '2026-06-01T09:30:00.000Z', BERLIN)).toBe(90);
    // Fri 16:00 → Mon 10:00: 60 + 60.
    expect(between('2026-06-05T14:00:00.000Z', '2026-06-08T08:00:00.000Z', BERLIN)).toBe(120);
    // Sat 00:00 → Sun 23:59 local: nothing.
    expect(between('2026-06-05T22:00:00.000Z', '2026-06-07T21:59:00.000Z', BERLIN)).toBe(0);
    // Fri 17:00 → Mon 09:00: nothing.
    expect(between('2026-06-05T15:00:00.000Z', '2026-06-08T07:00:00.000Z', BERLIN)).toBe(0);
    // Both ends outside hours: Mon 07:00 → Mon 20:00 is the whole day.
    expect(between('2026-06-01T05:00:00.000Z', '2026-06-01T18:00:00.000Z', BERLIN)).toBe(480);
    // A full week.
    expect(between('2026-06-01T00:00:00.000Z', '2026-06-08T00:00:00.000Z', BERLIN)).toBe(2400);
    // Seconds count: Mon 10:00:00 → 10:00:45.
    expect(between('2026-06-01T08:00:00.000Z', '2026-06-01T08:00:45.000Z', BERLIN)).toBe(0.75);
  });

  it('round-trips with addBusinessMinutes for starts inside working hours', () => {
    const starts = ['2026-06-01T07:00:00.000Z', '2026-06-03T14:59:59.999Z', '2026-03-27T15:00:00.000Z', '2026-10-30T20:30:00.000Z'];
    const calendars = [BERLIN, NEW_YORK, nineToFive('Europe/Berlin', ['2026-06-04', '2026-03-30'])];
    for (const start of starts) {
      for (const calendar of calendars) {
        for (const minutes of [0, 0.25, 1, 59.5, 480, 481, 2400, 10_000]) {
          const end = addBusinessMinutes(at(start), minutes, calendar);
          expect(businessMinutesBetween(at(start), end, calendar)).toBeCloseTo(minutes, 6);
        }
      }
    }
  });
});

describe('calendars with no working time', () => {
  it('throw validation_failed instead of looping forever', () => {
    const empty = { time_zone: 'Europe/Berlin', weekly: {} } as BusinessHoursCalendar;
    expect(() => addBusinessMinutes(at('2026-06-01T08:00:00.000Z'), 10, empty)).toThrow(DomainError);
    expect(() => addBusinessMinutes(at('2026-06-01T08:00:00.000Z'), 10, empty)).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        fieldErrors: [{ field: 'business_hours.weekly', message: 'must contain at least one working interval' }],
      }),
    );
    expect(() => businessMinutesBetween(at('2026-06-01T08:00:00.000Z'), at('2026-06-09T08:00:00.000Z'), empty)).toThrow(DomainError);
  });

  it('throw validation_failed for an unknown time zone', () => {
    const mars = { ...BERLIN, time_zone: 'Mars/Olympus_Mons' };
    expect(() => addBusinessMinutes(at('2026-06-01T08:00:00.000Z'), 10, mars)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });
});

describe('validateBusinessHours', () => {
  const mon = [{ start: '09:00', end: '17:00' }];

  it('accepts valid calendars', () => {
    expect(validateBusinessHours(BERLIN)).toEqual([]);
    expect(validateBusinessHours(nineToFive('America/New_York', ['2026-12-25', '2026-07-03']))).toEqual([]);
    expect(validateBusinessHours({ time_zone: 'UTC', weekly: { sun: [{ start: '00:00', end: '24:00' }] }, holidays: null })).toEqual([]);
    // Touching intervals do not overlap.
    expect(
      validateBusinessHours({
        time_zone: 'Asia/Tokyo',
        weekly: {
          mon: [
            { start: '09:00', end: '12:00' },
            { start: '12:00', end: '18:00' },
          ],
        },
      }),
    ).toEqual([]);
    expect(() => assertValidBusinessHours(BERLIN)).not.toThrow();
  });

  it.each([
    ['null', null, [{ field: 'business_hours', message: 'must be an object with time_zone and weekly' }]],
    ['an array', [], [{ field: 'business_hours', message: 'must be an object with time_zone and weekly' }]],
    ['a string', 'Mon-Fri 9-5', [{ field: 'business_hours', message: 'must be an object with time_zone and weekly' }]],
    ['no time zone', { weekly: { mon } }, [{ field: 'business_hours.time_zone', message: 'is required' }]],
    [
      'an unknown IANA zone',
      { time_zone: 'Mars/Olympus_Mons', weekly: { mon } },
      [{ field: 'business_hours.time_zone', message: 'must be an IANA time zone name such as Europe/Berlin' }],
    ],
    [
      'an offset instead of a zone',
      { time_zone: '+01:00', weekly: { mon } },
      [{ field: 'business_hours.time_zone', message: 'must be an IANA time zone name such as Europe/Berlin' }],
    ],
    [
      'a time zone that is not a string',
      { time_zone: 1, weekly: { mon } },
      [{ field: 'business_hours.time_zone', message: 'must be an IANA time zone name such as Europe/Berlin' }],
    ],
    [
      'a misspelt field',
      { timezone: 'Europe/Berlin', weekly: { mon } },
      [
        { field: 'business_hours.timezone', message: 'is not a known field (time_zone, weekly, holidays)' },
        { field: 'business_hours.time_zone', message: 'is required' },
      ],
    ],
    [
      'no weekly schedule',
      { time_zone: 'Europe/Berlin' },
      [{ field: 'business_hours.weekly', message: 'must be an object keyed by day (mon, tue, wed, thu, fri, sat, sun)' }],
    ],
    [
      'an empty weekly schedule',
      { time_zone: 'Europe/Berlin', weekly: {} },
      [{ field: 'business_hours.weekly', message: 'must contain at least one working interval' }],
    ],
    [
      'only empty days',
      { time_zone: 'Europe/Berlin', weekly: { mon: [], sat: [] } },
      [{ field: 'business_hours.weekly', message: 'must contain at least one working interval' }],
    ],
    [
      'an unknown day',
      { time_zone: 'Europe/Berlin', weekly: { monday: mon, tue: mon } },
      [{ field: 'business_hours.weekly.monday', message: 'is not a day of the week (mon, tue, wed, thu, fri, sat, sun)' }],
    ],
    [
      'a day that is not a list',
      { time_zone: 'Europe/Berlin', weekly: { mon: { start: '09:00', end: '17:00' } } },
      [{ field: 'business_hours.weekly.mon', message: 'must be an array of { start, end } intervals' }],
    ],
    [
      'an interval that is not an object',
      { time_zone: 'Europe/Berlin', weekly: { mon: ['09:00-17:00'] } },
      [{ field: 'business_hours.weekly.mon[0]', message: 'must be an object with start and end' }],
    ],
    [
      'an unknown interval field',
      { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '17:00', break: '12:00' }] } },
      [{ field: 'business_hours.weekly.mon[0].break', message: 'is not a known field (start, end)' }],
    ],
    [
      'times without two-digit hours, or missing',
      { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '9:00', end: '17:00' }], tue: [{ end: '17:00' }] } },
      [
        { field: 'business_hours.weekly.mon[0].start', message: 'must be a time HH:MM from 00:00 to 23:59' },
        { field: 'business_hours.weekly.tue[0].start', message: 'must be a time HH:MM from 00:00 to 23:59' },
      ],
    ],
    [
      'out-of-range times',
      {
        time_zone: 'Europe/Berlin',
        weekly: { mon: [{ start: '24:00', end: '24:00' }], tue: [{ start: '09:00', end: '24:30' }], wed: [{ start: '09:00', end: '17:60' }] },
      },
      [
        { field: 'business_hours.weekly.mon[0].start', message: 'must be a time HH:MM from 00:00 to 23:59' },
        { field: 'business_hours.weekly.tue[0].end', message: 'must be a time HH:MM from 00:00 to 24:00' },
        { field: 'business_hours.weekly.wed[0].end', message: 'must be a time HH:MM from 00:00 to 24:00' },
      ],
    ],
    [
      'an end not after the start',
      { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '17:00', end: '09:00' }], tue: [{ start: '09:00', end: '09:00' }] } },
      [
        { field: 'business_hours.weekly.mon[0].end', message: 'must be later than start' },
        { field: 'business_hours.weekly.tue[0].end', message: 'must be later than start' },
      ],
    ],
    [
      'overlapping intervals',
      {
        time_zone: 'Europe/Berlin',
        weekly: {
          mon: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '17:00' },
          ],
          tue: [
            { start: '13:00', end: '18:00' },
            { start: '08:00', end: '14:00' },
          ],
        },
      },
      [
        { field: 'business_hours.weekly.mon[1]', message: 'overlaps business_hours.weekly.mon[0]' },
        { field: 'business_hours.weekly.tue[1]', message: 'overlaps business_hours.weekly.tue[0]' },
      ],
    ],
    [
      'holidays that are not a list',
      { time_zone: 'Europe/Berlin', weekly: { mon }, holidays: '2026-12-25' },
      [{ field: 'business_hours.holidays', message: 'must be an array of dates YYYY-MM-DD' }],
    ],
    [
      'holidays that are not real dates',
      { time_zone: 'Europe/Berlin', weekly: { mon }, holidays: ['2026-02-30', '2026-12-25', 'Christmas', '2026-1-1', 20261225] },
      [
        { field: 'business_hours.holidays[0]', message: 'must be a date YYYY-MM-DD' },
        { field: 'business_hours.holidays[2]', message: 'must be a date YYYY-MM-DD' },
        { field: 'business_hours.holidays[3]', message: 'must be a date YYYY-MM-DD' },
        { field: 'business_hours.holidays[4]', message: 'must be a date YYYY-MM-DD' },
      ],
    ],
  ])('reports %s', (_name, value, expected) => {
    expect(validateBusinessHours(value)).toEqual(expected);
  });

  it('answers the same for a zone name asked again (valid names are remembered, invalid ones never)', () => {
    for (let round = 0; round < 3; round++) {
      expect([isValidIanaTimeZone('Europe/Berlin'), isValidIanaTimeZone('Mars/Olympus_Mons'), isValidIanaTimeZone('+01:00'), isValidIanaTimeZone(7)]).toEqual([
        true,
        false,
        false,
        false,
      ]);
    }
  });

  it('uses the given path prefix', () => {
    expect(validateBusinessHours({ time_zone: 'Nowhere/Land', weekly: { mon } }, 'policy.calendar')).toEqual([
      { field: 'policy.calendar.time_zone', message: 'must be an IANA time zone name such as Europe/Berlin' },
    ]);
  });

  it('assertValidBusinessHours throws validation_failed with the field errors', () => {
    expect(() => assertValidBusinessHours({ time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '08:00' }] } })).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        fieldErrors: [{ field: 'business_hours.weekly.mon[0].end', message: 'must be later than start' }],
      }),
    );
  });
});

describe('validateBusinessHoursSize', () => {
  const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  /** `count` one-minute intervals spread over the day. */
  const slots = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ start: hhmm(i * Math.floor(1440 / count)), end: hhmm(i * Math.floor(1440 / count) + 1) }));
  const dates = (count: number) => Array.from({ length: count }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));

  it('accepts up to 48 intervals a day and 1,000 holidays', () => {
    expect([MAX_INTERVALS_PER_DAY, MAX_HOLIDAYS]).toEqual([48, 1000]);
    const calendar: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: slots(48), sun: slots(48) }, holidays: dates(1000) };
    expect(validateBusinessHours(calendar)).toEqual([]);
    expect(validateBusinessHoursSize(calendar)).toEqual([]);
    expect(validateBusinessHoursSize(BERLIN)).toEqual([]);
  });

  it('names each day with more intervals and the holiday list when longer', () => {
    const calendar: BusinessHoursCalendar = {
      time_zone: 'Europe/Berlin',
      weekly: { mon: slots(48), tue: slots(49), sat: slots(48 * 2) },
      holidays: dates(1001),
    };
    expect(validateBusinessHours(calendar)).toEqual([]);
    expect(validateBusinessHoursSize(calendar)).toEqual([
      { field: 'business_hours.weekly.tue', message: 'must hold at most 48 intervals (has 49)' },
      { field: 'business_hours.weekly.sat', message: 'must hold at most 48 intervals (has 96)' },
      { field: 'business_hours.holidays', message: 'must list at most 1,000 dates (has 1,001)' },
    ]);
  });

  it('leaves larger calendars stored earlier working: the arithmetic takes them', () => {
    const calendar: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: slots(96) } };
    // Mon 1 June 2026 00:00 CEST: the 96 one-minute slots of the day (the last 23:45–23:46), then
    // next Monday's first.
    expect(add('2026-05-31T22:00:00.000Z', 96, calendar)).toBe('2026-06-01T21:46:00.000Z');
    expect(add('2026-05-31T22:00:00.000Z', 97, calendar)).toBe('2026-06-07T22:01:00.000Z');
  });
});
