import { IANAZone } from 'luxon';
import { DomainError, FieldError } from './errors';

/**
 * Business hours: the working time an SLA clock counts. Times are local wall-clock times in the
 * calendar's IANA time zone; a business minute is one real (elapsed) minute that falls inside a
 * working interval. So on a DST change day a 00:00–24:00 interval holds 23 or 25 hours of work.
 */
export const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayKey = (typeof WEEKDAY_KEYS)[number];

export interface BusinessHoursInterval {
  /** 'HH:MM', 24-hour local time, 00:00–23:59. */
  start: string;
  /** 'HH:MM', 24-hour local time, later than start; '24:00' means the end of the day. */
  end: string;
}

export interface BusinessHoursCalendar {
  time_zone: string;
  weekly: Partial<Record<WeekdayKey, BusinessHoursInterval[]>>;
  /** Local dates ('YYYY-MM-DD') on which nobody works, whatever `weekly` says. */
  holidays?: string[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const START_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Intl also accepts offsets such as '+01:00' on some runtimes; we want region names only.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/;
const TOP_LEVEL_KEYS = new Set(['time_zone', 'weekly', 'holidays']);

// ----------------------------------------------------------------------------------------------
// Validation
// ----------------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Minutes since local midnight for 'HH:MM' (end times may be '24:00' = 1440), or null. */
function parseTime(value: unknown, allowEndOfDay: boolean): number | null {
  if (typeof value !== 'string') return null;
  const match = (allowEndOfDay ? END_TIME : START_TIME).exec(value);
  if (!match) return null;
  const hours = Number(match[1] ?? match[3]);
  const minutes = Number(match[2] ?? match[4]);
  return hours * 60 + minutes;
}

function isValidLocalDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = LOCAL_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isValidIanaTimeZone(name: unknown): boolean {
  return typeof name === 'string' && IANA_NAME.test(name) && IANAZone.isValidZone(name);
}

/**
 * Every problem with a business-hours calendar, with field paths such as
 * `business_hours.weekly.mon[0].end`. An empty array means the value is a usable
 * BusinessHoursCalendar.
 */
export function validateBusinessHours(value: unknown, path = 'business_hours'): FieldError[] {
  const errors: FieldError[] = [];
  if (!isPlainObject(value)) {
    return [{ field: path, message: 'must be an object with time_zone and weekly' }];
  }
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.has(key)) errors.push({ field: `${path}.${key}`, message: 'is not a known field (time_zone, weekly, holidays)' });
  }

  if (value.time_zone === undefined || value.time_zone === null || value.time_zone === '') {
    errors.push({ field: `${path}.time_zone`, message: 'is required' });
  } else if (!isValidIanaTimeZone(value.time_zone)) {
    errors.push({ field: `${path}.time_zone`, message: 'must be an IANA time zone name such as Europe/Berlin' });
  }

  const weekly = value.weekly;
  if (!isPlainObject(weekly)) {
    errors.push({ field: `${path}.weekly`, message: 'must be an object keyed by day (mon, tue, wed, thu, fri, sat, sun)' });
  } else {
    let workingIntervals = 0;
    for (const [day, intervals] of Object.entries(weekly)) {
      const dayPath = `${path}.weekly.${day}`;
      if (!(WEEKDAY_KEYS as readonly string[]).includes(day)) {
        errors.push({ field: dayPath, message: 'is not a day of the week (mon, tue, wed, thu, fri, sat, sun)' });
        continue;
      }
      if (!Array.isArray(intervals)) {
        errors.push({ field: dayPath, message: 'must be an array of { start, end } intervals' });
        continue;
      }
      // Well-formed intervals of this day, kept to check for overlaps afterwards.
      const parsed: Array<{ index: number; start: number; end: number }> = [];
      intervals.forEach((interval: unknown, index) => {
        const itemPath = `${dayPath}[${index}]`;
        if (!isPlainObject(interval)) {
          errors.push({ field: itemPath, message: 'must be an object with start and end' });
          return;
        }
        for (const key of Object.keys(interval)) {
          if (key !== 'start' && key !== 'end') errors.push({ field: `${itemPath}.${key}`, message: 'is not a known field (start, end)' });
        }
        const start = parseTime(interval.start, false);
        const end = parseTime(interval.end, true);
        if (start === null) errors.push({ field: `${itemPath}.start`, message: 'must be a time HH:MM from 00:00 to 23:59' });
        if (end === null) errors.push({ field: `${itemPath}.end`, message: 'must be a time HH:MM from 00:00 to 24:00' });
        if (start === null || end === null) return;
        if (end <= start) {
          errors.push({ field: `${itemPath}.end`, message: 'must be later than start' });
          return;
        }
        parsed.push({ index, start, end });
      });
      // Overlapping intervals would count the same minutes twice; touching ones (09:00–12:00,
      // 12:00–17:00) are fine.
      parsed.sort((a, b) => a.start - b.start);
      for (let i = 1; i < parsed.length; i++) {
        const previous = parsed[i - 1]!;
        const current = parsed[i]!;
        if (current.start < previous.end) {
          const [first, second] = previous.index < current.index ? [previous, current] : [current, previous];
          errors.push({ field: `${dayPath}[${second.index}]`, message: `overlaps ${dayPath}[${first.index}]` });
        }
      }
      workingIntervals += parsed.length;
    }
    if (workingIntervals === 0 && !errors.some((error) => error.field.startsWith(`${path}.weekly.`))) {
      errors.push({ field: `${path}.weekly`, message: 'must contain at least one working interval' });
    }
  }

  // null is tolerated as "no holidays" (JSON clients often send it for an absent list).
  if (value.holidays !== undefined && value.holidays !== null) {
    if (!Array.isArray(value.holidays)) {
      errors.push({ field: `${path}.holidays`, message: 'must be an array of dates YYYY-MM-DD' });
    } else {
      value.holidays.forEach((holiday: unknown, index) => {
        if (!isValidLocalDate(holiday)) errors.push({ field: `${path}.holidays[${index}]`, message: 'must be a date YYYY-MM-DD' });
      });
    }
  }
  return errors;
}

/** Throws DomainError('validation_failed') with the field errors unless value is a valid calendar. */
export function assertValidBusinessHours(value: unknown, path = 'business_hours'): asserts value is BusinessHoursCalendar {
  const errors = validateBusinessHours(value, path);
  if (errors.length > 0) throw DomainError.validation(errors, 'The business hours calendar is not valid.');
}

// ----------------------------------------------------------------------------------------------
// Compiled calendar
// ----------------------------------------------------------------------------------------------

interface CompiledCalendar {
  zone: IANAZone;
  /** Indexed by JavaScript's getUTCDay() (0 = Sunday): sorted [startMinute, endMinute) pairs. */
  days: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  holidays: ReadonlySet<string>;
  /** How many consecutive days without working time prove the calendar never opens again. */
  maxIdleDays: number;
}

const JS_DAY_OF: Record<WeekdayKey, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

// Calendars come from policy rows and are reused for many tickets: validate and parse each object
// once. Callers must not mutate a calendar after using it (policies are versioned, never edited).
const compiled = new WeakMap<BusinessHoursCalendar, CompiledCalendar>();

function compile(calendar: BusinessHoursCalendar): CompiledCalendar {
  const cached = compiled.get(calendar);
  if (cached) return cached;
  assertValidBusinessHours(calendar);
  const days: Array<Array<readonly [number, number]>> = [[], [], [], [], [], [], []];
  for (const key of WEEKDAY_KEYS) {
    for (const interval of calendar.weekly[key] ?? []) {
      days[JS_DAY_OF[key]]!.push([parseTime(interval.start, false)!, parseTime(interval.end, true)!]);
    }
  }
  for (const day of days) day.sort((a, b) => a[0] - b[0]);
  const holidays = new Set(calendar.holidays ?? []);
  const result: CompiledCalendar = {
    zone: IANAZone.create(calendar.time_zone),
    days,
    holidays,
    // Each holiday can close at most one day, and a DST gap can swallow an interval lying entirely
    // inside it (e.g. 02:00–03:00 on a spring-forward Sunday) twice a year: beyond this many idle
    // days in a row the calendar can never open again. Generous on purpose: it is only a guard.
    maxIdleDays: 7 * (holidays.size + 4),
  };
  compiled.set(calendar, result);
  return result;
}

// ----------------------------------------------------------------------------------------------
// Local wall-clock time → instant
// ----------------------------------------------------------------------------------------------

/** Offset of the zone at an instant, in milliseconds (luxon reports minutes). */
function offsetMs(zone: IANAZone, instant: number): number {
  return zone.offset(instant) * MINUTE_MS;
}

/**
 * The instant of a local wall-clock time, given as "wall time read as if it were UTC" (ms).
 *
 * - Normal times have exactly one instant.
 * - Times skipped by a spring-forward gap (02:30 in Berlin on 2026-03-29) do not exist: we take
 *   the first instant after the gap, i.e. the moment the clocks jump. So an interval lying inside
 *   the gap holds no working time and one straddling it starts when the clocks resume.
 * - Times repeated by a fall-back overlap (02:30 in Berlin on 2026-10-25) happen twice: we take
 *   the earlier. (luxon's own choice differs between zones, hence this function.)
 *
 * Assumes at most one offset change within a day either side, which holds for every real zone.
 */
function localToInstant(zone: IANAZone, wallAsUtc: number, steadyOffset: number | null = null): number {
  if (steadyOffset !== null) return wallAsUtc - steadyOffset;
  const before = offsetMs(zone, wallAsUtc - DAY_MS);
  const after = offsetMs(zone, wallAsUtc + DAY_MS);
  if (before === after) return wallAsUtc - before;
  const candidates = [wallAsUtc - before, wallAsUtc - after]
    .filter((instant) => offsetMs(zone, instant) === wallAsUtc - instant)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In a gap: find the first instant carrying the later offset (the transition) by bisection.
  // lo is before the transition, hi is after it.
  let lo = Math.min(wallAsUtc - before, wallAsUtc - after);
  let hi = Math.max(wallAsUtc - before, wallAsUtc - after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The local date (as UTC midnight of the same calendar date) on which an instant falls. */
function localDayOf(zone: IANAZone, instant: number): number {
  const wall = instant + offsetMs(zone, instant);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * Working intervals [start, end) in epoch ms, in order and disjoint, from `from` onwards: the first
 * one is clipped to start at `from` when `from` falls inside it. Infinite; throws when the calendar
 * can never open again.
 */
function* workingIntervalsFrom(calendar: CompiledCalendar, from: number): Generator<readonly [number, number]> {
  let day = localDayOf(calendar.zone, from);
  let lastEnd = from;
  let idleDays = 0;
  for (;;) {
    const date = new Date(day);
    const isHoliday = calendar.holidays.has(date.toISOString().slice(0, 10));
    let worked = false;
    const intervals = isHoliday ? [] : calendar.days[date.getUTCDay()]!;
    // Fast path: the same offset a day either side means no transition touches this local day,
    // so every wall time of it maps with that one offset (saves most of the Intl look-ups).
    let steadyOffset: number | null = null;
    if (intervals.length > 0) {
      const before = offsetMs(calendar.zone, day - DAY_MS);
      if (before === offsetMs(calendar.zone, day + 2 * DAY_MS)) steadyOffset = before;
    }
    for (const [startMinute, endMinute] of intervals) {
      // '24:00' is minute 1440: the next day's local midnight, which Date.UTC arithmetic gives.
      const rawStart = localToInstant(calendar.zone, day + startMinute * MINUTE_MS, steadyOffset);
      const rawEnd = localToInstant(calendar.zone, day + endMinute * MINUTE_MS, steadyOffset);
      if (rawEnd > rawStart) worked = true;
      // Clip to `from` and to the previous interval (defensive: intervals never overlap unless
      // a zone repeats local midnight).
      const start = Math.max(rawStart, lastEnd);
      if (rawEnd <= start) continue;
      lastEnd = rawEnd;
      yield [start, rawEnd] as const;
    }
    idleDays = worked ? 0 : idleDays + 1;
    if (idleDays > calendar.maxIdleDays) {
      throw new DomainError('validation_failed', 'The business hours calendar has no working time.', {
        reason: 'no_working_time',
      });
    }
    day += DAY_MS;
  }
}

function assertInstant(value: Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

// ----------------------------------------------------------------------------------------------
// Public arithmetic
// ----------------------------------------------------------------------------------------------

/**
 * The instant `minutes` business minutes after `start`. Without a calendar every minute counts
 * (24/7). With one, the clock only runs inside working intervals: a start outside working hours
 * begins counting at the next opening, and a result that lands exactly on a closing time is that
 * closing time (not the next opening). Fractional minutes are allowed; the result is rounded to
 * the millisecond.
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessHoursCalendar | null): Date {
  const from = assertInstant(start, 'start');
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError('minutes must be a finite number >= 0');
  let remaining = Math.round(minutes * MINUTE_MS);
  if (calendar === null) return new Date(from + remaining);
  for (const [intervalStart, intervalEnd] of workingIntervalsFrom(compile(calendar), from)) {
    const available = intervalEnd - intervalStart;
    if (remaining <= available) return new Date(intervalStart + remaining);
    remaining -= available;
  }
  /* istanbul ignore next -- the generator is infinite or throws */
  throw new Error('unreachable');
}

/**
 * Business minutes in [from, to): 0 when to <= from. Consistent with addBusinessMinutes:
 * businessMinutesBetween(s, addBusinessMinutes(s, m, c), c) === m (to the millisecond) whenever
 * s lies inside working hours.
 */
export function businessMinutesBetween(from: Date, to: Date, calendar: BusinessHoursCalendar | null): number {
  const fromMs = assertInstant(from, 'from');
  const toMs = assertInstant(to, 'to');
  if (toMs <= fromMs) return 0;
  if (calendar === null) return (toMs - fromMs) / MINUTE_MS;
  let total = 0;
  for (const [intervalStart, intervalEnd] of workingIntervalsFrom(compile(calendar), fromMs)) {
    if (intervalStart >= toMs) break;
    total += Math.min(intervalEnd, toMs) - intervalStart;
  }
  return total / MINUTE_MS;
}
