import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { BusinessHoursCalendar } from '@helpdesk/domain';
import { BUSINESS_TIME_HORIZON_DAYS, guaranteedBusinessMinutes, WEEKDAY_KEYS } from '@helpdesk/domain';
import { UsageError, wholeNumber } from '../common';

/*
 * Business-time arithmetic: what one due instant (addBusinessMinutes) and one remaining-minutes
 * count (businessMinutesBetween) cost, for the calendars an admin can store, at the longest
 * target each one accepts. With --before REV the same scenarios run on libs/domain as it was at
 * that git revision, compiled into a temporary directory. Each implementation runs in a child
 * process of its own (cold caches, its own heap).
 */

const HELP = `Usage: npm run bench:calendar -- [options]

Times addBusinessMinutes (one due instant) and businessMinutesBetween (the business minutes up to
it, as GET /tickets/:id/sla counts them) per call, for a 24x7 calendar, a calendar of one working
minute a week, and the costliest calendar the SLA policy check accepts, each at the longest target
it accepts; and the hostile calendar the check now refuses (one minute a week, 5,256,000 minutes),
for which the arithmetic stops at its horizon. Every call gets a fresh copy of the calendar, as
the api reads the policy row per request.

  --before REV     also run the scenarios on libs/domain at git revision REV (e.g. d0a9ed0)
  --seconds S      measured seconds per scenario and implementation (default 2; at least 3 calls)
  --slow-limit S   skip a scenario for --before when its estimated call takes longer (default 20)
`;

const log = (line = '') => process.stdout.write(`${line}\n`);
const ROOT = resolve(__dirname, '..', '..', '..');
const DAY_MS = 86_400_000;
const START = new Date('2026-06-01T10:00:00.000Z');

type Domain = Pick<typeof import('@helpdesk/domain'), 'addBusinessMinutes' | 'businessMinutesBetween'>;

interface Scenario {
  key: string;
  name: string;
  calendar: BusinessHoursCalendar | null;
  minutes: number;
  /** Only for the current code: the old one would walk day by day for this long. */
  hostile?: boolean;
}

const everyDay = (intervals: Array<{ start: string; end: string }>) => Object.fromEntries(WEEKDAY_KEYS.map((day) => [day, intervals]));
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

function scenarios(): Scenario[] {
  const allDay: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: everyDay([{ start: '00:00', end: '24:00' }]) };
  const oneMinute: BusinessHoursCalendar = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '09:01' }] } };
  // The costliest calendar the check accepts: a zone with many offset changes (Asia/Gaza: two a
  // year), work on every day so that every day near a change is worked, the most intervals a day
  // may hold (48, one-minute slots every half hour) and the most holidays (1,000, spread over the
  // ten years the due instant is searched through).
  const slots = Array.from({ length: 48 }, (_, i) => ({ start: hhmm(30 * i), end: hhmm(30 * i + 1) }));
  const holidays = Array.from({ length: 1000 }, (_, i) => new Date(START.getTime() + Math.round(i * 3.65 + 1) * DAY_MS).toISOString().slice(0, 10));
  const dense: BusinessHoursCalendar = { time_zone: 'Asia/Gaza', weekly: everyDay(slots), holidays };
  const most = (calendar: BusinessHoursCalendar) => Math.min(5_256_000, guaranteedBusinessMinutes(calendar));
  return [
    { key: 'none', name: 'no calendar (24x7)', calendar: null, minutes: 5_256_000 },
    { key: '24x7', name: '24x7 calendar, Europe/Berlin', calendar: allDay, minutes: most(allDay) },
    { key: 'minute', name: '1 minute a week, Europe/Berlin', calendar: oneMinute, minutes: most(oneMinute) },
    { key: 'dense', name: 'worst accepted: Asia/Gaza, 48 intervals/day, 1,000 holidays', calendar: dense, minutes: most(dense) },
    { key: 'hostile', name: 'hostile, now refused: 1 minute a week, 5,256,000 min', calendar: oneMinute, minutes: 5_256_000, hostile: true },
  ];
}

interface Result {
  key: string;
  outcome: string;
  days: number | null;
  first: { add: number; between: number };
  median: { add: number; between: number };
  calls: number;
}

// ---------------------------------------------------------------------------------------------
// Child: time the scenarios on one implementation
// ---------------------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(domain: Domain, scenario: Scenario, seconds: number): Result {
  const copy = () => (scenario.calendar === null ? null : (structuredClone(scenario.calendar) as BusinessHoursCalendar));
  const timed = <T>(work: () => T): [T | Error, number] => {
    const started = performance.now();
    try {
      const value = work();
      return [value, performance.now() - started];
    } catch (error) {
      return [error as Error, performance.now() - started];
    }
  };
  const [due, firstAdd] = timed(() => domain.addBusinessMinutes(START, scenario.minutes, copy()));
  const end = due instanceof Error ? new Date(START.getTime() + (BUSINESS_TIME_HORIZON_DAYS - 1) * DAY_MS) : due;
  const [, firstBetween] = timed(() => domain.businessMinutesBetween(START, end, copy()));
  const adds: number[] = [];
  const betweens: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (adds.length < 3 || performance.now() < until) {
    adds.push(timed(() => domain.addBusinessMinutes(START, scenario.minutes, copy()))[1]);
    betweens.push(timed(() => domain.businessMinutesBetween(START, end, copy()))[1]);
  }
  return {
    key: scenario.key,
    outcome: due instanceof Error ? `throws: ${(due as { details?: { reason?: string } }).details?.reason ?? due.message}` : due.toISOString(),
    days: due instanceof Error ? null : Math.round((due.getTime() - START.getTime()) / DAY_MS),
    first: { add: firstAdd, between: firstBetween },
    median: { add: median(adds), between: median(betweens) },
    calls: adds.length,
  };
}

function child(domainPath: string, keys: string[], seconds: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const domain = require(domainPath) as Domain;
  for (const scenario of scenarios().filter((s) => keys.includes(s.key))) process.send!(measure(domain, scenario, seconds));
}

// ---------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------

/** libs/domain at a git revision, compiled to CommonJS in a temporary directory: its index.js. */
function buildRevision(revision: string): { index: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-calendar-'));
  execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', '-o', join(dir, 'src.tar'), revision, 'libs/domain/src'], { stdio: 'inherit' });
  execFileSync('tar', ['-xf', 'src.tar'], { cwd: dir });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const src = join(dir, 'libs', 'domain', 'src');
  const files = readdirSync(src)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => join(src, file));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      '--outDir',
      join(dir, 'out'),
      '--rootDir',
      src,
      '--module',
      'commonjs',
      '--target',
      'ES2022',
      '--moduleResolution',
      'node',
      '--esModuleInterop',
      '--skipLibCheck',
      '--types',
      'node',
      ...files,
    ],
    { stdio: 'inherit' },
  );
  return { index: join(dir, 'out', 'index.js'), dir };
}

function run(domainPath: string, keys: string[], seconds: number): Promise<Result[]> {
  return new Promise((resolvePromise, reject) => {
    const results: Result[] = [];
    const process_ = fork(__filename, ['--child', domainPath, '--keys', keys.join(','), '--seconds', String(seconds)], { stdio: 'inherit' });
    process_.on('message', (message) => results.push(message as Result));
    process_.on('exit', (code) => (code === 0 ? resolvePromise(results) : reject(new Error(`the bench child exited with ${code}`))));
  });
}

/** Microseconds from milliseconds, to 2 decimals below 10 µs. */
const us = (milliseconds: number) => {
  const value = milliseconds * 1000;
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 0 });
};
const pad = (text: string, width: number, right = false) => (right ? text.padStart(width) : text.padEnd(width));

function table(title: string, results: Result[], skipped: Map<string, string>): void {
  const all = scenarios();
  log(title);
  const header = ['scenario', 'target min', 'due instant (calendar days)', 'first add µs', 'add µs', 'first between µs', 'between µs', 'calls'];
  const widths = [60, 11, 36, 12, 7, 16, 10, 9];
  log(`| ${header.map((h, i) => pad(h, widths[i]!, i > 0 && i !== 2)).join(' | ')} |`);
  log(`|${widths.map((w, i) => (i > 0 && i !== 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const scenario of all) {
    const result = results.find((r) => r.key === scenario.key);
    const cells = result
      ? [
          scenario.name,
          scenario.minutes.toLocaleString('en-US'),
          result.days === null ? result.outcome : `${result.outcome} (${result.days.toLocaleString('en-US')})`,
          us(result.first.add),
          us(result.median.add),
          us(result.first.between),
          us(result.median.between),
          result.calls.toLocaleString('en-US'),
        ]
      : [scenario.name, scenario.minutes.toLocaleString('en-US'), skipped.get(scenario.key) ?? 'not run', '-', '-', '-', '-', '-'];
    log(`| ${cells.map((c, i) => pad(c, widths[i]!, i > 0 && i !== 2)).join(' | ')} |`);
  }
  log();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      before: { type: 'string' },
      seconds: { type: 'string', default: '2' },
      'slow-limit': { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
      child: { type: 'string' },
      keys: { type: 'string' },
    },
  });
  if (values.help) {
    log(HELP);
    return;
  }
  const seconds = wholeNumber('seconds', values.seconds, 1);
  const slowLimit = wholeNumber('slow-limit', values['slow-limit'], 1);
  if (values.child) return child(values.child, (values.keys ?? '').split(','), seconds);

  log(
    `bench:calendar on ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log(`start ${START.toISOString()}; each figure is the median over --seconds ${seconds} of calls (first: the first call, cold caches)`);
  log();
  const keys = scenarios().map((s) => s.key);
  const after = await run(resolve(__dirname, '..', '..', 'libs', 'domain', 'src', 'index.js'), keys, seconds);
  table('after (this build)', after, new Map());

  if (values.before) {
    const { index, dir } = buildRevision(values.before);
    try {
      // The old code walks every local date: a scenario whose walk would take longer than
      // --slow-limit seconds by a rough estimate (10 µs a day, more with many intervals) is not run.
      const estimate = (scenario: Scenario, perDayMs: number) => {
        const days = scenario.hostile ? scenario.minutes * 7 : (after.find((r) => r.key === scenario.key)?.days ?? 0);
        const intervals = scenario.calendar ? Math.max(...Object.values(scenario.calendar.weekly).map((day) => day?.length ?? 0)) : 0;
        return { days, seconds: (days * perDayMs * Math.max(1, intervals / 10)) / 1000 };
      };
      const runnable = scenarios().filter((scenario) => estimate(scenario, 0.01).seconds <= slowLimit);
      const before = await run(
        index,
        runnable.map((s) => s.key),
        seconds,
      );
      // What a skipped walk would take, at the cost per day the old code showed for one minute a week.
      const minute = before.find((r) => r.key === 'minute');
      const perDayMs = minute?.days ? minute.median.add / minute.days : 0.01;
      const skipped = new Map<string, string>();
      for (const scenario of scenarios().filter((s) => !runnable.includes(s))) {
        const { days, seconds: guess } = estimate(scenario, perDayMs);
        skipped.set(
          scenario.key,
          `not run: ${days.toLocaleString('en-US')} days at ${(perDayMs * 1000).toFixed(1)} µs ≈ ${Math.round(guess).toLocaleString('en-US')} s/call`,
        );
      }
      table(`before (libs/domain at ${values.before})`, before, skipped);
      log('before / after, per call (add, between):');
      for (const result of before.filter((r) => r.key !== 'none')) {
        const now = after.find((r) => r.key === result.key)!;
        const name = scenarios().find((s) => s.key === result.key)!.name;
        log(
          `  ${name}: ${Math.round(result.median.add / now.median.add).toLocaleString('en-US')}× and ${Math.round(result.median.between / now.median.between).toLocaleString('en-US')}×`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
