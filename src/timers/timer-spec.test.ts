import { describe, expect, it } from 'vitest';
import { nextFire, parseTimerSpec } from './timer-spec.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The next `count` times the spec fires after `from`, in UTC. */
function fires(spec: string, from: string, count: number, job = 'app'): string[] {
  const schedule = parseTimerSpec(spec, job);
  const times: string[] = [];
  let after = at(from);
  for (let index = 0; index < count; index++) {
    const next = nextFire(schedule, after) as number;
    times.push(iso(next) as string);
    after = next;
  }
  return times;
}

describe('Build periodically: Jenkins cron specs', () => {
  it('reads plain fields, ranges, steps and lists, in UTC when TZ= says so', () => {
    expect(fires('TZ=UTC\n30 2 * * *', '2026-12-07T00:00:00Z', 2)).toEqual(['2026-12-07T02:30:00.000Z', '2026-12-08T02:30:00.000Z']);
    expect(fires('TZ=UTC\n*/20 9-10 * * 1-5', '2026-12-05T00:00:00Z', 4)).toEqual(['2026-12-07T09:00:00.000Z', '2026-12-07T09:20:00.000Z', '2026-12-07T09:40:00.000Z', '2026-12-07T10:00:00.000Z']);
    expect(fires('TZ=UTC\n0 8,17 * * 7', '2026-12-05T00:00:00Z', 2)).toEqual(['2026-12-06T08:00:00.000Z', '2026-12-06T17:00:00.000Z']);
  });

  it('spreads H by the job name, the same on every evaluation, within its range', () => {
    const minuteOf = (job: string) => new Date(nextFire(parseTimerSpec('TZ=UTC\nH 2 * * *', job), at('2026-12-07T00:00:00Z')) as number).getUTCMinutes();
    const minutes = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(minuteOf));
    expect(minutes.size).toBeGreaterThan(1);
    expect(minuteOf('a')).toBe(minuteOf('a'));
    for (const time of fires('TZ=UTC\nH(0-29) H(8-9) * * *', '2026-12-07T00:00:00Z', 3, 'folder/deploy')) {
      expect(Number(time.slice(14, 16))).toBeLessThan(30);
      expect(['08', '09']).toContain(time.slice(11, 13));
    }
    // H/15: four times an hour, a quarter apart, from a hashed start.
    const quarter = fires('TZ=UTC\nH/15 * * * *', '2026-12-07T00:00:00Z', 4).map((time) => Number(time.slice(14, 16)));
    expect(quarter[1]! - quarter[0]!).toBe(15);
    expect(quarter[0]).toBeLessThan(15);
  });

  it('reads the aliases as their H forms, several lines, comments and blank lines', () => {
    const daily = fires('TZ=UTC\n@daily', '2026-12-07T00:00:00Z', 2);
    expect(at(daily[1] as string) - at(daily[0] as string)).toBe(24 * 3600_000);
    const midnight = fires('TZ=UTC\n@midnight', '2026-12-07T00:00:00Z', 1)[0] as string;
    expect(Number(midnight.slice(11, 13))).toBeLessThan(3);
    expect(fires('TZ=UTC\n# nightly and at noon\n\n0 0 * * *\n0 12 * * *  # noon', '2026-12-07T01:00:00Z', 2)).toEqual(['2026-12-07T12:00:00.000Z', '2026-12-08T00:00:00.000Z']);
  });

  it('keeps the wall clock of its time zone across a change of daylight saving time', () => {
    expect(fires('TZ=Europe/London\n0 9 * * *', '2026-03-28T00:00:00Z', 2)).toEqual(['2026-03-28T09:00:00.000Z', '2026-03-29T08:00:00.000Z']);
  });

  it('refuses a spec that is not one, naming the line and what is wrong', () => {
    const refusal = (spec: string) => {
      try {
        parseTimerSpec(spec, 'app');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal('61 * * * *')).toContain('61 in "61" is out of range for the minute (0-59)');
    expect(refusal('0 2 * *')).toContain('a line has five fields');
    expect(refusal('H 2 * * *\n0 25 * * *')).toContain('line 2 ("0 25 * * *")');
    expect(refusal('@sometimes')).toContain('@sometimes is not one of @yearly');
    expect(refusal('TZ=Mars/Olympus\nH 2 * * *')).toContain('"Mars/Olympus" is not a time zone');
    expect(refusal('0 0 31 2 *')).toContain('never fires');
    expect(refusal('5-1 * * * *')).toContain('runs backwards');
    expect(refusal('*/0 * * * *')).toContain('at least 1');
  });

  it('has no fire time for an empty schedule (only comments)', () => {
    expect(nextFire(parseTimerSpec('# paused\n', 'app'), at('2026-12-07T00:00:00Z'))).toBeNull();
  });
});
