import { IANAZone } from 'luxon';
import { DomainError, FieldError } from './errors';
import { ZoneOffsets, zoneOffsets } from './zone-offsets';

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
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
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

// luxon asks Intl by constructing a DateTimeFormat (~0.2 ms), and every ticket operation validates
// its policy's calendar: remember the names found valid. Bounded, as Intl also accepts any mix of
// upper and lower case.
const validZoneNames = new Set<string>();
const MAX_VALID_ZONE_NAMES = 1_000;

export function isValidIanaTimeZone(name: unknown): boolean {
  if (typeof name !== 'string' || !IANA_NAME.test(name)) return false;
  if (validZoneNames.has(name)) return true;
  if (!IANAZone.isValidZone(name)) return false;
  if (validZoneNames.size >= MAX_VALID_ZONE_NAMES) validZoneNames.clear();
  validZoneNames.add(name);
  return true;
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

/**
 * Size limits for a calendar an admin stores (checked by the SLA policy PUT, not by
 * validateBusinessHours: a larger calendar stored earlier keeps working). Every ticket operation
 * reads its policy's calendar and parses it, and the days around a DST change are computed
 * interval by interval: a calendar of thousands of intervals (the request body allows ~30,000)
 * would cost milliseconds of event loop on every request. 48 intervals a day is a working slot in
 * every half hour; 1,000 holidays is 25 years of 40.
 */
export const MAX_INTERVALS_PER_DAY = 48;
export const MAX_HOLIDAYS = 1_000;

/** Field errors for a valid calendar that is larger than MAX_INTERVALS_PER_DAY or MAX_HOLIDAYS allow. */
export function validateBusinessHoursSize(calendar: BusinessHoursCalendar, path = 'business_hours'): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of WEEKDAY_KEYS) {
    const count = calendar.weekly[key]?.length ?? 0;
    if (count > MAX_INTERVALS_PER_DAY)
      errors.push({ field: `${path}.weekly.${key}`, message: `must hold at most ${MAX_INTERVALS_PER_DAY} intervals (has ${count})` });
  }
  const holidays = calendar.holidays?.length ?? 0;
  if (holidays > MAX_HOLIDAYS)
    errors.push({
      field: `${path}.holidays`,
      message: `must list at most ${MAX_HOLIDAYS.toLocaleString('en-US')} dates (has ${holidays.toLocaleString('en-US')})`,
    });
  return errors;
}

// ----------------------------------------------------------------------------------------------
// Horizons
// ----------------------------------------------------------------------------------------------

/**
 * How far the arithmetic below searches: a due instant more than this many of the calendar's local
 * days after its start, or a span longer than that, throws DomainError('validation_failed', reason
 * 'beyond_calendar_horizon') instead of searching on. The work is bounded by it whatever the
 * calendar: the search jumps over whole stretches of days at once and only looks at single days
 * around DST changes, so its cost grows with the number of offset changes and holidays in the
 * span, never with the number of days or minutes.
 *
 * It is ten times SLA_TARGET_HORIZON_YEARS on purpose: due instants are counted from the ticket's
 * creation plus the business time it spent paused, so a ticket that was paused for years, or a
 * long-breached ticket whose overdue minutes are shown, needs more than its policy's targets.
 */
export const BUSINESS_TIME_HORIZON_YEARS = 100;
export const BUSINESS_TIME_HORIZON_DAYS = Math.ceil(BUSINESS_TIME_HORIZON_YEARS * 365.25); // 36,525

/**
 * Every target of an SLA policy with a calendar must be reachable within this much calendar time,
 * from any start (checked when the policy is stored, by guaranteedBusinessMinutes). The longest
 * target the API accepts (5,256,000 minutes) is ten 365-day years of round-the-clock time.
 */
export const SLA_TARGET_HORIZON_YEARS = 10;
export const SLA_TARGET_HORIZON_DAYS = Math.ceil(SLA_TARGET_HORIZON_YEARS * 365.25); // 3,653

/**
 * What guaranteedBusinessMinutes allows for DST: at most this many spring-forward gaps a year,
 * each swallowing at most this many minutes of working time. In the tz data from 2025 to 2100 the
 * most gaps in ten years are 21 (Asia/Gaza, around Ramadan) and the longest jump is 2 hours
 * (Antarctica/Troll).
 */
const DST_GAPS_PER_YEAR = 3;
const DST_GAP_MINUTES = 120;

function beyondHorizon(message: string): DomainError {
  return new DomainError('validation_failed', message, { reason: 'beyond_calendar_horizon', horizon_days: BUSINESS_TIME_HORIZON_DAYS });
}

// ----------------------------------------------------------------------------------------------
// Compiled calendar
// ----------------------------------------------------------------------------------------------

interface CompiledCalendar {
  offsets: ZoneOffsets;
  /** Indexed by JavaScript's getUTCDay() (0 = Sunday): sorted [startMinute, endMinute) pairs. */
  days: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Holidays as day numbers (local date as UTC midnight / DAY_MS), ascending, distinct. */
  holidayDays: readonly number[];
  holidaySet: ReadonlySet<number>;
  /** holidayPrefix[i]: nominal working ms of holidayDays[0..i) (what those days would have held). */
  holidayPrefix: readonly number[];
  /** Nominal working ms of each weekday (by getUTCDay()): what it holds far from a DST change. */
  dayMs: readonly number[];
  weekMs: number;
  /** weekPrefix[i]: dayMs summed over i days from a Sunday (0 ≤ i ≤ 14), for any 7-day window. */
  weekPrefix: readonly number[];
}

const JS_DAY_OF: Record<WeekdayKey, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

// Calendars come from policy rows and are reused for many tickets: validate and parse each object
// once. Callers must not mutate a calendar after using it (policies are versioned, never edited).
const compiled = new WeakMap<BusinessHoursCalendar, CompiledCalendar>();

/** getUTCDay() of a day number (day 0, 1970-01-01, was a Thursday). */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function dayNumberOfDate(localDate: string): number {
  return Date.parse(`${localDate}T00:00:00.000Z`) / DAY_MS;
}

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
  const dayMs = days.map((intervals) => intervals.reduce((sum, [start, end]) => sum + (end - start) * MINUTE_MS, 0));
  const weekPrefix = [0];
  for (let i = 0; i < 14; i++) weekPrefix.push(weekPrefix[i]! + dayMs[i % 7]!);
  const holidayDays = [...new Set((calendar.holidays ?? []).map(dayNumberOfDate))].sort((a, b) => a - b);
  const holidayPrefix = [0];
  for (const holiday of holidayDays) holidayPrefix.push(holidayPrefix[holidayPrefix.length - 1]! + dayMs[weekdayOf(holiday)]!);
  const result: CompiledCalendar = {
    offsets: zoneOffsets(calendar.time_zone),
    days,
    holidayDays,
    holidaySet: new Set(holidayDays),
    holidayPrefix,
    dayMs,
    weekMs: weekPrefix[7]!,
    weekPrefix,
  };
  compiled.set(calendar, result);
  return result;
}

/** Index of the first element of a sorted array that is >= value. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Working ms of the `count` days from `first` on, holidays excluded, counted as if no DST change
 * touched them (true of "plain" days, see plainRunEnd): O(log holidays).
 */
function nominalMs(calendar: CompiledCalendar, first: number, count: number): number {
  if (count <= 0) return 0;
  const weeks = Math.floor(count / 7);
  const weekday = weekdayOf(first);
  const periodic = weeks * calendar.weekMs + calendar.weekPrefix[weekday + count - weeks * 7]! - calendar.weekPrefix[weekday]!;
  const lo = lowerBound(calendar.holidayDays, first);
  const hi = lowerBound(calendar.holidayDays, first + count);
  return periodic - (calendar.holidayPrefix[hi]! - calendar.holidayPrefix[lo]!);
}

// ----------------------------------------------------------------------------------------------
// Local wall-clock time → instant
// ----------------------------------------------------------------------------------------------

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
function localToInstant(zone: ZoneOffsets, wallAsUtc: number): number {
  const before = zone.offsetAt(wallAsUtc - DAY_MS);
  const after = zone.offsetAt(wallAsUtc + DAY_MS);
  if (before === after) return wallAsUtc - before;
  const candidates = [wallAsUtc - before, wallAsUtc - after].filter((instant) => zone.offsetAt(instant) === wallAsUtc - instant).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In a gap: the first instant carrying the later offset, i.e. the moment of the change.
  const lo = Math.min(wallAsUtc - before, wallAsUtc - after);
  const hi = Math.max(wallAsUtc - before, wallAsUtc - after);
  return zone.nextChange(lo, hi) ?? hi;
}

/** The local date (as a day number) on which an instant falls. */
function localDayOf(calendar: CompiledCalendar, instant: number): number {
  return Math.floor((instant + calendar.offsets.offsetAt(instant)) / DAY_MS);
}

/** intervalsOfDay writes here (start, end, start, end, ...): no allocation per day. */
const dayInstants: number[] = [];

/**
 * The working intervals of one local date as [start, end) instants, unclipped, in order: exactly
 * what the date holds, DST changes included. Written to dayInstants; returns how many (none on a
 * holiday).
 */
function intervalsOfDay(calendar: CompiledCalendar, day: number): number {
  if (calendar.holidaySet.has(day)) return 0;
  const intervals = calendar.days[weekdayOf(day)]!;
  if (intervals.length === 0) return 0;
  const midnight = day * DAY_MS;
  const { offsets } = calendar;
  const windowStart = midnight - DAY_MS;
  const windowEnd = midnight + 2 * DAY_MS;
  // Every offset localToInstant looks up for a wall time of this date lies in (windowStart,
  // windowEnd]. The same offset at both ends means no change touches the date: one offset maps it all.
  const before = offsets.offsetAt(windowStart);
  const after = offsets.offsetAt(windowEnd);
  let toInstant = (wall: number) => wall - before;
  if (before !== after) {
    const change = offsets.nextChange(windowStart, windowEnd);
    if (change !== null && offsets.nextChange(change, windowEnd) === null) {
      // One change, from `before` to `after` at `change`: what localToInstant works out, in closed
      // form. A wall time valid under the old offset maps with it (the earlier instant when both
      // are valid, in a fall-back overlap); else one valid under the new offset maps with that;
      // else it lies in the gap and maps to the moment of the change.
      toInstant = (wall) => (wall - before < change ? wall - before : wall - after >= change ? wall - after : change);
    } else {
      toInstant = (wall) => localToInstant(offsets, wall);
    }
  }
  // '24:00' is minute 1440: the next day's local midnight, which the arithmetic gives.
  for (let i = 0; i < intervals.length; i++) {
    dayInstants[2 * i] = toInstant(midnight + intervals[i]![0] * MINUTE_MS);
    dayInstants[2 * i + 1] = toInstant(midnight + intervals[i]![1] * MINUTE_MS);
  }
  return intervals.length;
}

/** How many days ahead one look for the next offset change reaches (bounds the offset probing). */
const RUN_CHUNK_DAYS = 366;

/**
 * The last day of the run of "plain" days starting at `day`, at most `until`; less than `day` when
 * `day` is not plain. A plain day has no offset change from the UTC midnight before it to two
 * UTC midnights after it, so it holds exactly its weekday's nominal working time (none on a
 * holiday), starting at local midnight: nominalMs counts any stretch of them at once.
 */
function plainRunEnd(calendar: CompiledCalendar, day: number, until: number): number {
  const change = calendar.offsets.nextChange((day - 1) * DAY_MS, (until + 2) * DAY_MS);
  return change === null ? until : Math.min(until, Math.ceil(change / DAY_MS) - 3);
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
 * the millisecond. Throws DomainError (reason 'beyond_calendar_horizon') when the result would lie
 * more than BUSINESS_TIME_HORIZON_DAYS local days after the start's.
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessHoursCalendar | null): Date {
  const from = assertInstant(start, 'start');
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError('minutes must be a finite number >= 0');
  let remaining = Math.round(minutes * MINUTE_MS);
  if (calendar === null) return new Date(from + remaining);
  const c = compile(calendar);
  const lastDay = localDayOf(c, from) + BUSINESS_TIME_HORIZON_DAYS;
  // Working time before lastEnd is spent (or before the start); intervals are clipped to it.
  let lastEnd = from;
  let day = localDayOf(c, from);
  while (day <= lastDay) {
    const runEnd = plainRunEnd(c, day, Math.min(lastDay, day + RUN_CHUNK_DAYS));
    if (runEnd >= day && lastEnd <= day * DAY_MS - c.offsets.offsetAt((day - 1) * DAY_MS)) {
      // Skip the most whole plain days whose working time is less than what remains (and days
      // without any, which the old walk passed over too when nothing remained).
      const threshold = Math.max(remaining, 1);
      const count = runEnd - day + 1;
      let skip = count;
      if (nominalMs(c, day, count) >= threshold) {
        let lo = 0; // nominalMs(c, day, lo) < threshold
        let hi = count; // nominalMs(c, day, hi) >= threshold
        while (hi - lo > 1) {
          const mid = (lo + hi) >>> 1;
          if (nominalMs(c, day, mid) < threshold) lo = mid;
          else hi = mid;
        }
        skip = lo;
      }
      remaining -= nominalMs(c, day, skip);
      day += skip;
      if (skip === count) continue;
    }
    // One day, interval by interval: the day the result falls on, or one a DST change touches.
    for (let i = 0, count = intervalsOfDay(c, day); i < count; i++) {
      const rawEnd = dayInstants[2 * i + 1]!;
      // Clip to the start and to the previous interval (defensive: intervals never overlap unless
      // a zone repeats local midnight).
      const intervalStart = Math.max(dayInstants[2 * i]!, lastEnd);
      if (rawEnd <= intervalStart) continue;
      lastEnd = rawEnd;
      const available = rawEnd - intervalStart;
      if (remaining <= available) return new Date(intervalStart + remaining);
      remaining -= available;
    }
    day++;
  }
  throw beyondHorizon(`The business hours calendar does not hold this much working time within ${BUSINESS_TIME_HORIZON_YEARS} years.`);
}

/**
 * Business minutes in [from, to): 0 when to <= from. Consistent with addBusinessMinutes:
 * businessMinutesBetween(s, addBusinessMinutes(s, m, c), c) === m (to the millisecond) whenever
 * s lies inside working hours. Throws DomainError (reason 'beyond_calendar_horizon') when `to`
 * falls more than BUSINESS_TIME_HORIZON_DAYS local days after `from`.
 */
export function businessMinutesBetween(from: Date, to: Date, calendar: BusinessHoursCalendar | null): number {
  const fromMs = assertInstant(from, 'from');
  const toMs = assertInstant(to, 'to');
  if (toMs <= fromMs) return 0;
  if (calendar === null) return (toMs - fromMs) / MINUTE_MS;
  const c = compile(calendar);
  const firstDay = localDayOf(c, fromMs);
  const toDay = localDayOf(c, toMs);
  if (toDay - firstDay > BUSINESS_TIME_HORIZON_DAYS) throw beyondHorizon(`Business time is counted over at most ${BUSINESS_TIME_HORIZON_YEARS} years.`);
  // Dates three days after `to`'s start after it, whatever the offsets (they span 26 hours).
  const stopDay = toDay + 3;
  let total = 0;
  let lastEnd = fromMs;
  let day = firstDay;
  while (day <= stopDay) {
    const runEnd = plainRunEnd(c, day, Math.min(stopDay, day + RUN_CHUNK_DAYS));
    if (runEnd >= day) {
      const offset = c.offsets.offsetAt((day - 1) * DAY_MS);
      // Whole plain days that end (local midnight after them) by `to`.
      const lastWhole = Math.min(runEnd, Math.floor((toMs + offset) / DAY_MS) - 1);
      if (lastWhole >= day && lastEnd <= day * DAY_MS - offset) {
        total += nominalMs(c, day, lastWhole - day + 1);
        day = lastWhole + 1;
        continue;
      }
    }
    for (let i = 0, count = intervalsOfDay(c, day); i < count; i++) {
      const rawEnd = dayInstants[2 * i + 1]!;
      const intervalStart = Math.max(dayInstants[2 * i]!, lastEnd);
      if (rawEnd <= intervalStart) continue;
      if (intervalStart >= toMs) return total / MINUTE_MS;
      lastEnd = rawEnd;
      total += Math.min(rawEnd, toMs) - intervalStart;
    }
    day++;
  }
  return total / MINUTE_MS;
}

// ----------------------------------------------------------------------------------------------
// What a calendar can hold
// ----------------------------------------------------------------------------------------------

/**
 * The business minutes a calendar holds for certain in any window of `days` days, wherever it
 * starts: a lower bound, from the weekly hours, the holidays and an allowance for DST.
 *
 * - A window of `days` × 24 hours holds at least `days - 2` whole consecutive local dates (part of
 *   a date is lost at each end; DST lengthens a date by 2 hours at most), and any 7 consecutive
 *   dates hold each weekday once: floor((days - 2) / 7) whole weeks of the weekly hours.
 * - Every listed holiday, past ones included (a ticket whose priority changes keeps its start),
 *   takes away what its weekday would have held.
 * - Each spring-forward gap swallows at most DST_GAP_MINUTES of working time, and at most what the
 *   two dates it can touch hold; DST_GAPS_PER_YEAR of them a year.
 *
 * Zero or less means the calendar cannot be counted on for any working time in that window.
 */
export function guaranteedBusinessMinutes(calendar: BusinessHoursCalendar, days: number = SLA_TARGET_HORIZON_DAYS): number {
  const c = compile(calendar);
  const weeks = Math.floor((days - 2) / 7);
  const holidayMs = c.holidayPrefix[c.holidayPrefix.length - 1]!;
  const longestDayMs = Math.max(...c.dayMs);
  const gaps = Math.ceil((days * DST_GAPS_PER_YEAR) / 365.25);
  const dstMs = gaps * Math.min(DST_GAP_MINUTES * MINUTE_MS, 2 * longestDayMs);
  return (weeks * c.weekMs - holidayMs - dstMs) / MINUTE_MS;
}
