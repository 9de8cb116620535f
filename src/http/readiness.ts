/** A named check of something the server needs to serve: it resolves when fine, throws when not. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  readonly ready: boolean;
  /** Each check's state only: never its error, which could name paths or versions. */
  readonly checks: Readonly<Record<string, 'ok' | 'failing'>>;
}

/** How long a report is reused: a probe every second at most, however often it is asked. */
const KEPT_MS = 1000;

/**
 * Whether the server can do its work now (`/steward/ready`). The checks run at most once a second and
 * never twice at the same time, so that an unauthenticated caller asking in a loop costs nothing more.
 */
export class Readiness {
  private last: { report: ReadinessReport; at: number } | null = null;
  private running: Promise<ReadinessReport> | null = null;

  constructor(
    private readonly checks: Readonly<Record<string, ReadinessCheck>>,
    private readonly now: () => number = Date.now,
  ) {}

  report(): Promise<ReadinessReport> {
    if (this.last && this.now() - this.last.at < KEPT_MS) return Promise.resolve(this.last.report);
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch {
          return [name, 'failing'] as const;
        }
      }),
    );
    const report = { ready: entries.every(([, state]) => state === 'ok'), checks: Object.fromEntries(entries) };
    this.last = { report, at: this.now() };
    return report;
  }
}
