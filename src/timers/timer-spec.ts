import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { DomainError } from '../core/errors.js';

/**
 * Jenkins' "Build periodically" schedule (`hudson.triggers.TimerTrigger`'s `spec`), read the way
 * Jenkins reads it: one cron line per line (`MINUTE HOUR DOM MONTH DOW`), `#` comments and blank
 * lines skipped, an optional first line `TZ=Zone`, and in each field `*`, `N`, `N-M`, `*\/X`,
 * `N-M/X`, lists with `,`, and `H`: a value spread by a hash of the job's full name (`H`, `H(N-M)`,
 * `H/X`, `H(N-M)/X`), so that many jobs on `H 2 * * *` do not all start at 02:00. `@hourly`, `@daily`
 * (`@midnight`: between 00:00 and 02:59), `@weekly`, `@monthly`, `@yearly` / `@annually` stand for
 * their `H` forms, as in Jenkins. Day of week 0 and 7 are both Sunday.
 *
 * Each line is turned into plain numbers here, and the times it fires at are computed by
 * cron-parser, which handles time zones and daylight saving. `H` is spread by SHA-256 of the full
 * name: stable across restarts and servers, but not the minute Jenkins itself would pick.
 */
export interface TimerSchedule {
  /** The IANA time zone of `TZ=`, or null for the server's own. */
  readonly timeZone: string | null;
  /** Each line with every `H` and alias resolved, in the five-field form cron-parser reads. */
  readonly lines: readonly string[];
}

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** The range `H` spreads over when no range is given (days of the month stop at 28, as in Jenkins). */
  readonly hashMax: number;
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59, hashMax: 59 },
  { name: 'hour', min: 0, max: 23, hashMax: 23 },
  { name: 'day of month', min: 1, max: 31, hashMax: 28 },
  { name: 'month', min: 1, max: 12, hashMax: 12 },
  { name: 'day of week', min: 0, max: 7, hashMax: 6 },
];

const ALIASES: Readonly<Record<string, string>> = {
  '@yearly': 'H H H H *',
  '@annually': 'H H H H *',
  '@monthly': 'H H H * *',
  '@weekly': 'H H * * H',
  '@daily': 'H H * * *',
  '@midnight': 'H H(0-2) * * *',
  '@hourly': 'H * * * *',
};

/** The most lines a schedule may have: enough for any real one, and a bound on the work of each evaluation. */
const MAX_LINES = 100;

/** Reads a spec for the job `fullName`, or refuses it (`config_invalid`) naming the line and the field at fault. */
export function parseTimerSpec(spec: string, fullName: string): TimerSchedule {
  const raw = spec.split(/\r?\n/);
  let timeZone: string | null = null;
  const lines: string[] = [];
  for (const [index, text] of raw.entries()) {
    const line = text.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const where = raw.length > 1 ? `line ${index + 1} ("${text.trim()}")` : `"${text.trim()}"`;
    const zone = /^TZ=(.*)$/.exec(line);
    if (zone) {
      if (lines.length > 0 || timeZone !== null) throw invalid(`${where}: TZ= must be the first line of the schedule`);
      timeZone = checkTimeZone(zone[1]?.trim() ?? '', where);
      continue;
    }
    if (lines.length === MAX_LINES) throw invalid(`it has more than ${MAX_LINES} lines`);
    lines.push(resolveLine(line, fullName, where, lines.length));
  }
  const schedule = { timeZone, lines };
  // A line that can never fire (the 31st of February) is refused now, not silently never run.
  for (const [index, line] of lines.entries()) {
    if (nextOf(line, timeZone, Date.now()) === null) throw invalid(`"${line}" (line ${index + 1} as resolved) never fires`);
  }
  return schedule;
}

/** The first time after `after` (milliseconds, exclusive) that the schedule fires, or null when it has no lines. */
export function nextFire(schedule: TimerSchedule, after: number): number | null {
  let earliest: number | null = null;
  for (const line of schedule.lines) {
    const next = nextOf(line, schedule.timeZone, after);
    if (next !== null && (earliest === null || next < earliest)) earliest = next;
  }
  return earliest;
}

function nextOf(line: string, timeZone: string | null, after: number): number | null {
  try {
    const expression = CronExpressionParser.parse(line, { currentDate: new Date(after), ...(timeZone ? { tz: timeZone } : {}) });
    return expression.next().getTime();
  } catch {
    return null;
  }
}

function resolveLine(line: string, fullName: string, where: string, lineIndex: number): string {
  const expanded = ALIASES[line.toLowerCase()] ?? line;
  if (expanded.startsWith('@')) throw invalid(`${where}: ${line} is not one of ${Object.keys(ALIASES).join(', ')}`);
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) throw invalid(`${where}: a line has five fields (minute hour day-of-month month day-of-week), this one has ${fields.length}`);
  return fields.map((text, index) => resolveField(text, FIELDS[index] as Field, hashOf(fullName, lineIndex, index), where)).join(' ');
}

/** A field as a comma list of numbers (or `*`), every value checked against the field's range. */
function resolveField(text: string, field: Field, hash: number, where: string): string {
  if (text === '*') return '*';
  const values = new Set<number>();
  for (const term of text.split(',')) {
    const match = /^(?:(\*)|(H)(?:\((\d+)-(\d+)\))?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(term);
    if (!match) throw invalid(`${where}: "${term}" is not a ${field.name} (use *, N, N-M, */X, N-M/X, H, H(N-M) or H/X)`);
    const [, star, h, hashFrom, hashTo, from, to, stepText] = match;
    const step = stepText === undefined ? null : Number(stepText);
    if (step !== null && step < 1) throw invalid(`${where}: the step in "${term}" must be at least 1`);
    let low: number;
    let high: number;
    if (star) {
      [low, high] = [field.min, field.name === 'day of week' ? 6 : field.max];
    } else if (h) {
      [low, high] = hashFrom === undefined ? [field.min, field.hashMax] : [Number(hashFrom), Number(hashTo)];
      if (step !== null) {
        // H/X: every X from a hashed start below X, within the range.
        for (let value = low + (hash % Math.min(step, high - low + 1)); value <= high; value += step) values.add(checked(value, field, term, where));
        continue;
      }
      [low, high] = [low + (hash % (high - low + 1)), low + (hash % (high - low + 1))];
    } else {
      low = Number(from);
      high = to === undefined ? (step === null ? low : field.max) : Number(to);
    }
    checked(low, field, term, where);
    checked(high, field, term, where);
    if (low > high) throw invalid(`${where}: the range in "${term}" runs backwards`);
    for (let value = low; value <= high; value += step ?? 1) values.add(checked(value, field, term, where));
  }
  // Sunday is 0 or 7: cron-parser takes both.
  return [...values].sort((a, b) => a - b).join(',');
}

function checked(value: number, field: Field, term: string, where: string): number {
  if (value < field.min || value > field.max) throw invalid(`${where}: ${value} in "${term}" is out of range for the ${field.name} (${field.min}-${field.max})`);
  return value;
}

/** A stable spread per job, line and field: the same job gets the same minute on every server. */
function hashOf(fullName: string, line: number, field: number): number {
  return createHash('sha256').update(`${fullName}\0${line}\0${field}`).digest().readUInt32BE(0);
}

function checkTimeZone(zone: string, where: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw invalid(`${where}: "${zone}" is not a time zone (use an IANA name such as Europe/Berlin or UTC)`);
  }
}

function invalid(problem: string): DomainError {
  return new DomainError('config_invalid', `The "Build periodically" schedule is not valid: ${problem}.`, 'Write it as Jenkins does: MINUTE HOUR DOM MONTH DOW per line, with H to spread the load, e.g. "H 2 * * *" or "H/15 * * * *".');
}
