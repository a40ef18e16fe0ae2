import { IANAZone } from 'luxon';
import {
  addBusinessMinutes,
  BUSINESS_TIME_HORIZON_DAYS,
  BusinessHoursCalendar,
  BusinessHoursInterval,
  businessMinutesBetween,
  guaranteedBusinessMinutes,
  SLA_TARGET_HORIZON_DAYS,
  WEEKDAY_KEYS,
} from './business-hours';
import { DomainError } from './errors';
import { ZoneOffsets } from './zone-offsets';

/*
 * The calendar arithmetic jumps over whole stretches of days and keeps zone offsets in a cache.
 * Here it is checked against the plainest possible implementation: a walk over every local date,
 * asking luxon for every offset, on many generated calendars, starts and targets (seeded, so a
 * failure names a case that replays).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The reference asks luxon for every offset: ~10 s for the generated cases on an idle core. */
const SLOW_TEST_MS = 300_000;

// ----------------------------------------------------------------------------------------------
// The reference: one local date after the other
// ----------------------------------------------------------------------------------------------

const JS_DAY = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;
const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

class Reference {
  private readonly zone: IANAZone;
  private readonly days: Array<Array<[number, number]>> = [[], [], [], [], [], [], []];
  private readonly holidays: Set<string>;

  constructor(calendar: BusinessHoursCalendar) {
    this.zone = IANAZone.create(calendar.time_zone);
    for (const key of WEEKDAY_KEYS) {
      for (const { start, end } of calendar.weekly[key] ?? []) this.days[JS_DAY[key]]!.push([minutesOf(start), minutesOf(end)]);
    }
    for (const day of this.days) day.sort((a, b) => a[0] - b[0]);
    this.holidays = new Set(calendar.holidays ?? []);
  }

  private offset(instant: number): number {
    return this.zone.offset(instant) * MINUTE_MS;
  }

  /** The earliest instant showing this wall time; in a DST gap, the moment the clocks jump. */
  private instantOf(wall: number): number {
    const before = this.offset(wall - DAY_MS);
    const after = this.offset(wall + DAY_MS);
    const valid = [wall - before, wall - after].filter((instant) => this.offset(instant) === wall - instant);
    if (valid.length > 0) return Math.min(...valid);
    let lo = Math.min(wall - before, wall - after);
    let hi = Math.max(wall - before, wall - after);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offset(mid) === after) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /** Every working interval of every local date from the one `from` falls on, clipped to what came before. */
  *intervals(from: number, maxDays: number): Generator<[number, number]> {
    const wall = from + this.offset(from);
    let day = wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
    let lastEnd = from;
    for (let n = 0; n <= maxDays; n++, day += DAY_MS) {
      const date = new Date(day);
      if (this.holidays.has(date.toISOString().slice(0, 10))) continue;
      // Most dates are far from any offset change: then one offset maps all of them (the walk
      // this replaced did the same; it keeps the reference fast enough to run many cases).
      const steady = this.offset(day - DAY_MS) === this.offset(day + 2 * DAY_MS) ? this.offset(day - DAY_MS) : null;
      const instantOf = (wall: number) => (steady === null ? this.instantOf(wall) : wall - steady);
      for (const [startMinute, endMinute] of this.days[date.getUTCDay()]!) {
        const start = Math.max(instantOf(day + startMinute * MINUTE_MS), lastEnd);
        const end = instantOf(day + endMinute * MINUTE_MS);
        if (end <= start) continue;
        lastEnd = end;
        yield [start, end];
      }
    }
  }

  add(from: number, minutes: number, maxDays: number): number {
    let remaining = Math.round(minutes * MINUTE_MS);
    for (const [start, end] of this.intervals(from, maxDays)) {
      if (remaining <= end - start) return start + remaining;
      remaining -= end - start;
    }
    throw new Error(`reference: not reached within ${maxDays} days`);
  }

  between(from: number, to: number): number {
    if (to <= from) return 0;
    let total = 0;
    for (const [start, end] of this.intervals(from, Math.ceil((to - from) / DAY_MS) + 3)) {
      if (start >= to) break;
      total += Math.min(end, to) - start;
    }
    return total / MINUTE_MS;
  }
}

// ----------------------------------------------------------------------------------------------
// Generated calendars
// ----------------------------------------------------------------------------------------------

/** mulberry32: the same cases on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Zones with every kind of offset change: the usual DST (EU, US, southern hemisphere), changes at
// local midnight (Santiago, Havana, Asuncion), 30-minute (Lord Howe) and 2-hour (Troll) shifts,
// several a year (Casablanca, Gaza around Ramadan), odd offsets (Chatham +12:45, Kathmandu,
// St Johns), the ends of the range (Kiritimati +14, Etc/GMT+12), and none at all.
const ZONES = [
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Santiago',
  'America/Havana',
  'America/Asuncion',
  'America/St_Johns',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Antarctica/Troll',
  'Africa/Casablanca',
  'Asia/Gaza',
  'Pacific/Chatham',
  'Pacific/Auckland',
  'Asia/Kathmandu',
  'Asia/Tehran',
  'Pacific/Kiritimati',
  'Etc/GMT+12',
  'UTC',
];

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function generateCalendar(next: () => number): BusinessHoursCalendar {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const style = pick(['office', 'night', 'sparse', 'minutes', 'allday', 'random'] as const);
  const weekly: Partial<Record<(typeof WEEKDAY_KEYS)[number], BusinessHoursInterval[]>> = {};
  for (const key of WEEKDAY_KEYS) {
    const intervals: BusinessHoursInterval[] = [];
    if (style === 'office') {
      if (key !== 'sat' && key !== 'sun') intervals.push({ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:30' });
    } else if (style === 'allday') {
      if (next() < 0.9) intervals.push({ start: '00:00', end: '24:00' });
    } else if (style === 'night') {
      // Around the hours DST changes happen at, and across midnight.
      if (next() < 0.6) intervals.push({ start: pick(['00:00', '00:30', '01:00', '01:59', '02:00', '02:30']), end: pick(['03:00', '03:30', '04:00']) });
      if (next() < 0.5) intervals.push({ start: pick(['22:00', '23:00', '23:30']), end: '24:00' });
    } else if (style === 'sparse') {
      if (next() < 0.2) {
        const start = Math.floor(next() * 1439);
        intervals.push({ start: hhmm(start), end: hhmm(start + 1) });
      }
    } else {
      // Random disjoint intervals: cut points on the day, every other gap worked.
      const cuts = new Set<number>();
      const count = style === 'minutes' ? Math.floor(next() * 12) : Math.floor(next() * 6);
      for (let i = 0; i < count * 2; i++)
        cuts.add(
          style === 'minutes'
            ? Math.floor(next() * 1441)
            : pick([0, 60, 90, 120, 150, 180, 210, 540, 720, 1020, 1380, 1440]) + (next() < 0.3 ? Math.floor(next() * 30) : 0),
        );
      const sorted = [...cuts].filter((minute) => minute <= 1440).sort((a, b) => a - b);
      for (let i = 0; i + 1 < sorted.length; i += 2) {
        if (sorted[i]! < 1440) intervals.push({ start: hhmm(sorted[i]!), end: sorted[i + 1] === 1440 ? '24:00' : hhmm(sorted[i + 1]!) });
      }
    }
    if (intervals.length > 0) weekly[key] = next() < 0.5 ? intervals : intervals.reverse();
  }
  if (Object.keys(weekly).length === 0) weekly.wed = [{ start: '10:00', end: '10:01' }];
  const holidays: string[] = [];
  const holidayCount = pick([0, 0, 3, 20, 200]);
  for (let i = 0; i < holidayCount; i++) holidays.push(isoDate(Date.UTC(2025, 0, 1) + Math.floor(next() * 8 * 365) * DAY_MS));
  return { time_zone: pick(ZONES), weekly, ...(holidays.length ? { holidays } : {}) };
}

/** Starts: anywhere from 2025 to 2032, to the millisecond; a third of them within days of a DST change. */
function generateStart(next: () => number, zone: string): number {
  if (next() < 0.35) {
    const offsets = new ZoneOffsets(IANAZone.create(zone));
    const from = Date.UTC(2025, 0, 1) + Math.floor(next() * 6 * 365) * DAY_MS;
    const change = offsets.nextChange(from, from + 400 * DAY_MS);
    if (change !== null) return change + Math.round((next() - 0.5) * 6 * DAY_MS);
  }
  return Date.UTC(2025, 0, 1) + Math.floor(next() * 7 * 365 * DAY_MS);
}

/** Weekly working minutes of a calendar, to scale targets to it. */
function weeklyMinutes(calendar: BusinessHoursCalendar): number {
  return Object.values(calendar.weekly).reduce(
    (sum, intervals) => sum + (intervals ?? []).reduce((s, { start, end }) => s + minutesOf(end) - minutesOf(start), 0),
    0,
  );
}

function generateMinutes(next: () => number, weekly: number): number {
  const kind = next();
  if (kind < 0.1) return 0;
  if (kind < 0.25) return Math.round(next() * 600_000) / MINUTE_MS; // up to 10 minutes, to the ms
  if (kind < 0.4) return Math.floor(next() * weekly * 2) + 1; // within two weeks
  // Up to about a year of the calendar's working time, fractions included.
  return Math.round(next() * weekly * 52 * 1000) / 1000;
}

describe('business-time arithmetic against a day-by-day reference', () => {
  const CALENDARS = 400;

  it(
    `addBusinessMinutes and businessMinutesBetween agree with the reference on ${CALENDARS} generated calendars`,
    () => {
      const next = random(20261201);
      let checked = 0;
      for (let n = 0; n < CALENDARS; n++) {
        const calendar = generateCalendar(next);
        const reference = new Reference(calendar);
        const weekly = weeklyMinutes(calendar);
        for (let k = 0; k < 4; k++) {
          const from = generateStart(next, calendar.time_zone);
          const minutes = generateMinutes(next, weekly);
          const context = { n, k, calendar: JSON.stringify(calendar), from: new Date(from).toISOString(), minutes };
          let expected: number;
          try {
            expected = reference.add(from, minutes, Math.ceil((minutes / weekly) * 7 * 1.5) + 400 + (calendar.holidays?.length ?? 0) * 7);
          } catch (e) {
            throw new Error(`${(e as Error).message}: ${JSON.stringify(context)}`);
          }
          expect({ ...context, due: addBusinessMinutes(new Date(from), minutes, calendar).toISOString() }).toEqual({
            ...context,
            due: new Date(expected).toISOString(),
          });

          // The span back, and spans that start or end anywhere (inside, outside working hours).
          const to = next() < 0.5 ? expected : from + Math.floor(next() * 500 * DAY_MS);
          expect({ ...context, to, between: businessMinutesBetween(new Date(from), new Date(to), calendar) }).toEqual({
            ...context,
            to,
            between: reference.between(from, to),
          });
          checked++;
        }
      }
      expect(checked).toBe(CALENDARS * 4);
    },
    SLOW_TEST_MS,
  );

  it(
    'agrees over spans of ten and more years (one case per zone)',
    () => {
      const next = random(424242);
      for (const zone of ZONES) {
        const calendar: BusinessHoursCalendar = {
          time_zone: zone,
          weekly: {
            sun: [{ start: '01:30', end: '03:30' }],
            wed: [
              { start: '09:00', end: '09:05' },
              { start: '23:00', end: '24:00' },
            ],
            thu: [{ start: '00:00', end: '00:10' }],
          },
          holidays: Array.from({ length: 50 }, () => isoDate(Date.UTC(2026, 0, 1) + Math.floor(next() * 12 * 365) * DAY_MS)),
        };
        const reference = new Reference(calendar);
        const from = Date.UTC(2026, 2, 1) + Math.floor(next() * 365 * DAY_MS);
        const minutes = 40_000 + Math.floor(next() * 20_000);
        const due = reference.add(from, minutes, 12 * 366);
        expect({ zone, due: addBusinessMinutes(new Date(from), minutes, calendar).toISOString() }).toEqual({ zone, due: new Date(due).toISOString() });
        const to = from + 11 * 365 * DAY_MS;
        expect({ zone, between: businessMinutesBetween(new Date(from), new Date(to), calendar) }).toEqual({ zone, between: reference.between(from, to) });
      }
    },
    SLOW_TEST_MS,
  );
});

describe('the zone offset cache', () => {
  it(
    'gives luxon’s offset at any instant, and every change, for every zone the runtime knows',
    () => {
      const next = random(7);
      const zones = Intl.supportedValuesOf('timeZone');
      expect(zones.length).toBeGreaterThan(300);
      for (const name of zones) {
        const zone = IANAZone.create(name);
        const cache = new ZoneOffsets(zone);
        const from = Date.UTC(2020, 0, 1) + Math.floor(next() * 20 * 365) * DAY_MS;
        // Every change over a year, located to the millisecond, and nothing in between.
        let at = from;
        const until = from + 366 * DAY_MS;
        for (let change = cache.nextChange(at, until); change !== null; change = cache.nextChange(at, until)) {
          expect({ name, before: cache.offsetAt(change - 1) }).toEqual({ name, before: zone.offset(change - 1) * MINUTE_MS });
          expect({ name, after: cache.offsetAt(change) }).toEqual({ name, after: zone.offset(change) * MINUTE_MS });
          expect(zone.offset(change - 1)).not.toBe(zone.offset(change));
          at = change;
        }
        for (let i = 0; i < 20; i++) {
          const instant = from + Math.floor(next() * 366 * DAY_MS);
          expect({ name, instant, offset: cache.offsetAt(instant) }).toEqual({ name, instant, offset: zone.offset(instant) * MINUTE_MS });
        }
      }
    },
    SLOW_TEST_MS,
  );
});

describe('the horizon', () => {
  const oneMinuteAWeek: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '09:01' }] } };
  const start = new Date('2026-06-01T10:00:00.000Z');

  it('addBusinessMinutes throws a domain error for a due instant beyond it instead of searching on', () => {
    // One working minute a week: 5,256,000 minutes would be 100,000 years away.
    for (const minutes of [5_256_000, 525_600, 5_300]) {
      expect(() => addBusinessMinutes(start, minutes, oneMinuteAWeek)).toThrow(DomainError);
      expect(() => addBusinessMinutes(start, minutes, oneMinuteAWeek)).toThrow(
        expect.objectContaining({ code: 'validation_failed', details: { reason: 'beyond_calendar_horizon', horizon_days: BUSINESS_TIME_HORIZON_DAYS } }),
      );
    }
  });

  it('reaches anything within it: the last Monday minute before it ends', () => {
    // The horizon ends 36,525 days after Mon 2026-06-01 (09:01 already past): on Tue 2126-06-02.
    // It holds 5,217 more Mondays, the last on 2126-05-27 (CEST); a 5,218th minute is beyond it.
    expect(addBusinessMinutes(start, 5_217, oneMinuteAWeek).toISOString()).toBe('2126-05-27T07:01:00.000Z');
    expect(() => addBusinessMinutes(start, 5_218, oneMinuteAWeek)).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ reason: 'beyond_calendar_horizon' }) }),
    );
    expect(businessMinutesBetween(start, new Date('2126-05-28T00:00:00.000Z'), oneMinuteAWeek)).toBe(5_217);
  });

  it('businessMinutesBetween throws for a span beyond it and counts one within it', () => {
    expect(() => businessMinutesBetween(start, new Date(start.getTime() + (BUSINESS_TIME_HORIZON_DAYS + 2) * DAY_MS), oneMinuteAWeek)).toThrow(
      expect.objectContaining({ code: 'validation_failed', details: expect.objectContaining({ reason: 'beyond_calendar_horizon' }) }),
    );
    expect(businessMinutesBetween(start, new Date(start.getTime() + 1e15), null)).toBe(1e15 / MINUTE_MS);
  });

  it('a calendar whose every working day is a holiday for years is searched past them', () => {
    // Mondays only, and every Monday of 2026–2035 a holiday.
    const mondays = Array.from({ length: 523 }, (_, week) => isoDate(Date.UTC(2026, 0, 5) + week * 7 * DAY_MS));
    const calendar: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '17:00' }] }, holidays: mondays };
    expect(addBusinessMinutes(new Date('2026-01-01T00:00:00.000Z'), 30, calendar).toISOString()).toBe('2036-01-14T08:30:00.000Z');
  });
});

describe('guaranteedBusinessMinutes', () => {
  it('counts whole weeks of the weekly hours, minus holidays and DST gaps', () => {
    const weekdays = (hours: BusinessHoursInterval[]) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, hours]));
    // 521 weeks × 2,400 minutes, minus 31 gaps (three a year over 10.0014 years) of at most 120 minutes.
    expect(guaranteedBusinessMinutes({ time_zone: 'Europe/Berlin', weekly: weekdays([{ start: '09:00', end: '17:00' }]) })).toBe(521 * 2400 - 31 * 120);
    // A holiday on a Saturday takes nothing; one on a Wednesday a day's 480 minutes.
    expect(
      guaranteedBusinessMinutes({
        time_zone: 'Europe/Berlin',
        weekly: weekdays([{ start: '09:00', end: '17:00' }]),
        holidays: ['2026-06-06', '2026-06-03', '2026-06-03'],
      }),
    ).toBe(521 * 2400 - 480 - 31 * 120);
    // One minute a week: a gap can only take that minute.
    expect(guaranteedBusinessMinutes({ time_zone: 'UTC', weekly: { mon: [{ start: '09:00', end: '09:01' }] } })).toBe(521 - 31 * 2);
    // Round the clock: 521 weeks of 10,080 minutes.
    const allDay = Object.fromEntries(WEEKDAY_KEYS.map((day) => [day, [{ start: '00:00', end: '24:00' }]]));
    expect(guaranteedBusinessMinutes({ time_zone: 'UTC', weekly: allDay })).toBe(521 * 10_080 - 31 * 120);
    // Shorter windows: a year of 09:00–17:00 weekdays.
    expect(guaranteedBusinessMinutes({ time_zone: 'UTC', weekly: weekdays([{ start: '09:00', end: '17:00' }]) }, 366)).toBe(52 * 2400 - 4 * 120);
  });

  it('is a lower bound: no window of the horizon on a generated calendar holds less', () => {
    const next = random(99);
    for (let n = 0; n < 150; n++) {
      const calendar = generateCalendar(next);
      const guaranteed = guaranteedBusinessMinutes(calendar);
      for (let k = 0; k < 3; k++) {
        const from = generateStart(next, calendar.time_zone);
        const held = businessMinutesBetween(new Date(from), new Date(from + SLA_TARGET_HORIZON_DAYS * DAY_MS), calendar);
        expect({ calendar: JSON.stringify(calendar), from, ok: held >= guaranteed }).toEqual({ calendar: JSON.stringify(calendar), from, ok: true });
      }
    }
  });
});
