import type { LogChunks } from '../../src/logs/chunked-logs.js';

/**
 * `LogChunks` in memory, for tests of what sits above the storage (the writer's timing and bounds, the
 * shell runner's pause, the agent upload's acknowledgement): each append can be held until the test
 * lets it go (`hold`), or made to fail (`failNext`), and every append is recorded.
 */
export class MemoryLogChunks implements LogChunks {
  readonly logs = new Map<string, Array<{ offset: number; bytes: Buffer }>>();
  /** Every append, as the byte counts of its chunks. */
  readonly appends: number[][] = [];
  compactions = 0;
  private held: Array<() => void> | null = null;
  private failing: { error: Error; afterStoring: boolean; times: number } | null = null;

  constructor(
    readonly chunkBytes = 128 * 1024,
    /** How long each append takes. */
    private readonly latencyMs = 0,
  ) {}

  /** From now on appends wait until `release`. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const resume of waiting) resume();
  }

  /**
   * Makes the next `times` appends fail with `error`; `afterStoring`: the first stores its chunks
   * before it fails, as a commit whose answer was lost. Errors whose message begins with "outage" are outages.
   */
  failNext(error: Error, options: { afterStoring?: boolean; times?: number } = {}): void {
    this.failing = { error, afterStoring: options.afterStoring ?? false, times: options.times ?? 1 };
  }

  isOutage(error: unknown): boolean {
    return error instanceof Error && error.message.startsWith('outage');
  }

  async append(jobId: number, number: number, chunks: ReadonlyArray<{ readonly offset: number; readonly bytes: Buffer }>): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    const failing = this.failing;
    if (failing) {
      failing.times -= 1;
      if (failing.times <= 0) this.failing = null;
      if (!failing.afterStoring) throw failing.error;
      failing.afterStoring = false;
    }
    const log = this.logs.get(`${jobId}#${number}`) ?? [];
    for (const chunk of chunks) {
      const end = log.length === 0 ? 0 : (log.at(-1) as { offset: number; bytes: Buffer }).offset + (log.at(-1) as { bytes: Buffer }).bytes.length;
      if (chunk.offset !== end) throw new Error(`chunk at ${chunk.offset}, log ends at ${end}`);
      if (chunk.bytes.length > this.chunkBytes) throw new Error('chunk too large');
      log.push({ offset: chunk.offset, bytes: Buffer.from(chunk.bytes) });
    }
    this.logs.set(`${jobId}#${number}`, log);
    this.appends.push(chunks.map((chunk) => chunk.bytes.length));
    if (failing) throw failing.error;
  }

  async size(jobId: number, number: number): Promise<number | null> {
    const last = this.logs.get(`${jobId}#${number}`)?.at(-1);
    return last ? last.offset + last.bytes.length : null;
  }

  async read(jobId: number, number: number, start: number, end: number): Promise<Buffer> {
    return this.bytes(jobId, number).subarray(start, Math.max(start, end));
  }

  /** The whole stored log. */
  bytes(jobId: number, number: number): Buffer {
    return Buffer.concat((this.logs.get(`${jobId}#${number}`) ?? []).map((chunk) => chunk.bytes));
  }

  async compact(): Promise<void> {
    this.compactions += 1;
  }

  async remove(jobId: number, number: number): Promise<void> {
    this.logs.delete(`${jobId}#${number}`);
  }

  async removeJob(jobId: number): Promise<void> {
    for (const key of [...this.logs.keys()]) if (key.startsWith(`${jobId}#`)) this.logs.delete(key);
  }

  async close(): Promise<void> {}
}
