import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness.js';

describe('Readiness', () => {
  it('is ready only when every check passes, and names the failing one without its error', async () => {
    let homeFails = false;
    let now = 0;
    const readiness = new Readiness(
      {
        database: async () => {},
        home: async () => {
          if (homeFails) throw new Error('EROFS: read-only file system, open /secret/path');
        },
      },
      () => now,
    );
    expect(await readiness.report()).toEqual({ ready: true, checks: { database: 'ok', home: 'ok' } });
    homeFails = true;
    now += 1000;
    const report = await readiness.report();
    expect(report).toEqual({ ready: false, checks: { database: 'ok', home: 'failing' } });
    expect(JSON.stringify(report)).not.toContain('/secret/path');
  });

  it('runs the checks at most once a second and never twice at once', async () => {
    let runs = 0;
    let now = 0;
    let release: () => void = () => {};
    const readiness = new Readiness({ slow: () => new Promise<void>((resolve) => ((runs += 1), (release = resolve))) }, () => now);
    const first = readiness.report();
    const second = readiness.report();
    release();
    expect(await first).toBe(await second);
    expect(runs).toBe(1);
    now += 999;
    await readiness.report();
    expect(runs).toBe(1);
    now += 1;
    const third = readiness.report();
    release();
    await third;
    expect(runs).toBe(2);
  });
});
