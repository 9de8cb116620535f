import { DomainError } from './errors.js';

/**
 * Durations as people write them: `500ms`, `10s`, `10sec`, `10secs`, `2min`, `1h`, `1d`, with
 * optional decimals and spaces before the unit. Bare numbers are not accepted here: what they mean
 * differs by context (Jenkins' `delay` reads them as milliseconds), so callers decide.
 */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const PATTERN = /^(-?\d+(?:\.\d+)?)\s*([a-z]+)$/;

export const DURATION_FORMS = '500ms, 10sec, 10s, 2min, 1h or 1d';

/** Parses a duration with a unit into milliseconds, or returns null when it is not one. */
export function parseDuration(text: string): number | null {
  const match = PATTERN.exec(text.trim().toLowerCase());
  if (!match) return null;
  const unit = UNITS[match[2] as string];
  if (unit === undefined) return null;
  return Math.round(Number(match[1]) * unit);
}

/** Like parseDuration, but a malformed value is a DomainError naming the accepted forms. */
export function requireDuration(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === null) {
    throw new DomainError('config_invalid', `${what} "${text}" is not a duration.`, `Write it as ${DURATION_FORMS}.`);
  }
  return ms;
}
