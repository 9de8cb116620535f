import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Build, RESULTS } from '../core/build.js';

/** What the metrics read when scraped, rather than count as it happens. */
export interface MetricSources {
  /** Waiting queue items by why they wait (an indexed count in the store, once per scrape). */
  waitingCounts(): Promise<{ readonly quiet: number; readonly blocked: number; readonly buildable: number }>;
  /** The built-in node's executors. */
  executors(): { readonly busy: number; readonly total: number };
  /** The latest measurement of the file system holding the home, or null before the first. */
  disk(): { readonly freeBytes: number; readonly totalBytes: number } | null;
}

/** The one node today; an agent will be another value of the `node` label. */
const BUILT_IN = 'built-in';

/**
 * Steward's metrics, in Prometheus' text format (`/prometheus/`). Every event is recorded in constant
 * time (a counter or a histogram bucket); what is cheaper to read than to follow (the queue, the
 * executors, the disk) is read when scraped. Labels take values from small fixed sets only: results,
 * reason codes, route kinds, methods and status classes, never a URL or a name.
 */
export class Metrics {
  private readonly registry = new Registry();
  private readonly buildsStarted: Counter;
  private readonly buildsFinished: Counter<'result'>;
  private readonly buildDuration: Histogram<'result'>;
  private readonly queueTime: Histogram;
  private readonly triggersAccepted: Counter;
  private readonly triggersRefused: Counter<'reason'>;
  private readonly requestDuration: Histogram<'route' | 'method' | 'code'>;
  private readonly commitDuration: Histogram;
  private readonly dbConflicts: Counter;
  private readonly logBytes: Counter;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'steward_' });
    this.buildsStarted = new Counter({ name: 'steward_builds_started_total', help: 'Builds started (queue items that became builds).', registers });
    this.buildsFinished = new Counter({ name: 'steward_builds_finished_total', help: 'Builds finished, by result.', labelNames: ['result'], registers });
    this.buildDuration = new Histogram({
      name: 'steward_build_duration_seconds',
      help: 'How long finished builds ran, by result.',
      labelNames: ['result'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers,
    });
    for (const result of RESULTS) {
      this.buildsFinished.labels(result);
      this.buildDuration.labels(result);
    }
    this.queueTime = new Histogram({
      name: 'steward_queue_time_seconds',
      help: 'How long started builds waited in the queue, from the first trigger to the start.',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.triggersAccepted = new Counter({ name: 'steward_triggers_accepted_total', help: 'Triggers that made or joined a queue item.', registers });
    this.triggersRefused = new Counter({ name: 'steward_triggers_refused_total', help: 'Triggers and webhook deliveries refused, by reason code (X-Steward-Reason).', labelNames: ['reason'], registers });
    this.requestDuration = new Histogram({
      name: 'steward_http_request_duration_seconds',
      help: 'HTTP requests until the answer was ready, by route kind, method and status class.',
      labelNames: ['route', 'method', 'code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'steward_db_commit_duration_seconds',
      help: 'Group commits of the database, from BEGIN until the commit was on disk.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.dbConflicts = new Counter({
      name: 'steward_db_conflicts_total',
      help: 'Transactions of the group commit rolled back because they deadlocked or failed a serialization check with another server\'s (PostgreSQL); their writes were run again.',
      registers,
    });
    this.logBytes = new Counter({ name: 'steward_log_written_bytes_total', help: 'Bytes written to console logs.', registers });
    new Gauge({
      name: 'steward_queue_items',
      help: 'Queue items waiting, by why: quiet (in their quiet period), blocked (by a running build of their job), buildable (waiting for an executor, or for a node that can run it).',
      labelNames: ['reason'],
      registers,
      async collect() {
        const counts = await sources.waitingCounts();
        for (const reason of ['quiet', 'blocked', 'buildable'] as const) this.labels(reason).set(counts[reason]);
      },
    });
    new Gauge({
      name: 'steward_executors',
      help: 'Executors of a node.',
      labelNames: ['node'],
      registers,
      collect() {
        this.labels(BUILT_IN).set(sources.executors().total);
      },
    });
    new Gauge({
      name: 'steward_executors_busy',
      help: 'Executors of a node running a build.',
      labelNames: ['node'],
      registers,
      collect() {
        this.labels(BUILT_IN).set(sources.executors().busy);
      },
    });
    for (const [name, field, help] of [
      ['steward_disk_free_bytes', 'freeBytes', 'Free space of the file system holding the home, as unprivileged users see it (measured every 10 s).'],
      ['steward_disk_size_bytes', 'totalBytes', 'Size of the file system holding the home.'],
    ] as const) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const disk = sources.disk();
          if (disk) this.set(disk[field]);
        },
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition, in Prometheus' text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  buildStarted(build: Build, queuedAt: number): void {
    this.buildsStarted.inc();
    this.queueTime.observe(Math.max(0, build.startedAt - queuedAt) / 1000);
  }

  buildFinished(build: Build): void {
    const result = build.result ?? 'NOT_BUILT';
    this.buildsFinished.labels(result).inc();
    this.buildDuration.labels(result).observe(build.durationMs / 1000);
  }

  triggerAccepted(): void {
    this.triggersAccepted.inc();
  }

  triggerRefused(reason: string): void {
    this.triggersRefused.labels(reason).inc();
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.requestDuration.labels(route, method, `${Math.floor(status / 100)}xx`).observe(seconds);
  }

  commit(seconds: number): void {
    this.commitDuration.observe(seconds);
  }

  dbConflict(): void {
    this.dbConflicts.inc();
  }

  logWritten(bytes: number): void {
    this.logBytes.inc(bytes);
  }
}
