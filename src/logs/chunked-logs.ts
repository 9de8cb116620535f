import { Readable } from 'node:stream';
import type { ConsoleLogs, LogPiece, LogReader, LogWriter, ReadAt } from './console-logs.js';
import { pieceEnd } from './log-piece.js';

/**
 * Where chunked logs are stored: consecutive byte ranges of each log, in a table every node of a
 * deployment reads (`PgLogChunks` in store/postgres/log-chunks.ts). The writer (below) decides how the
 * bytes are cut; the store keeps each range whole and reads any byte range back, at a cost that follows
 * the bytes read, never the log's length.
 */
export interface LogChunks {
  /** The most bytes one chunk holds: the writer cuts what it stores into chunks of at most this. */
  readonly chunkBytes: number;
  /** Stores consecutive chunks of a log (each at its offset in the log) in one durable write; rejects when they were not stored. */
  append(jobId: number, number: number, chunks: ReadonlyArray<{ readonly offset: number; readonly bytes: Buffer }>): Promise<void>;
  /** The offset after the log's last stored byte, or null when the log has no chunk. */
  size(jobId: number, number: number): Promise<number | null>;
  /** The stored bytes from `start` to `end` (exclusive): fewer, or none, where the log is shorter or gone. */
  read(jobId: number, number: number, start: number, end: number): Promise<Buffer>;
  /**
   * Whether an error means the storage is out of reach for now (a database restarting, a connection
   * lost), so that the same write may succeed in a moment.
   */
  isOutage(error: unknown): boolean;
  /** Rewrites runs of small chunks of a finished log as fewer chunks holding the same bytes. */
  compact(jobId: number, number: number): Promise<void>;
  remove(jobId: number, number: number): Promise<void>;
  removeJob(jobId: number): Promise<void>;
  close(): Promise<void>;
}

export interface ChunkedLogsOptions {
  /** Hears how many bytes each flush stored (the metrics). */
  readonly onWritten?: (bytes: number) => void;
  /** How long written bytes may wait before they are stored, at most (~100 ms). */
  readonly flushEveryMs?: number;
  /** How many written bytes a writer holds before it says it is full (a few chunks). */
  readonly highWaterBytes?: number;
  /**
   * How long a writer keeps trying to store what it holds while the storage is out of reach (its
   * producer paused meanwhile) before that is its failure.
   */
  readonly outageMs?: number;
  /** Hears of a compaction that failed (the log is whole all the same, in more chunks). */
  readonly onCompactionFailed?: (error: unknown, jobId: number, number: number) => void;
}

const FLUSH_EVERY_MS = 100;
/**
 * How much a stream reads from the storage at once, handed on in pieces of the reader's size (the
 * page renders 16 KiB slices): a query per piece would cost more than the bytes.
 */
const STREAM_READ_BYTES = 512 * 1024;
/** A database failing over or restarting is back within seconds. */
const OUTAGE_MS = 30_000;
/** How often a write is tried again during an outage. */
const OUTAGE_RETRY_MS = 500;

/**
 * Console logs stored as chunks (see `LogChunks`), written while the build runs and readable from every
 * node. A writer buffers in memory and stores what it holds every ~100 ms, or as soon as it holds a
 * whole chunk, so that `write` never waits for the database; it says it is `full` past a few chunks, so
 * memory stays bounded when the database is slower than a step prints. A finished log's small chunks
 * (a slow build stores a few lines every 100 ms) are compacted after its writer closed. While the
 * storage is out of reach a writer tries again for up to 30 s, full meanwhile (a step's output pauses),
 * and only then fails: a database that restarts does not abort the builds that are printing.
 *
 * Readers see what is stored: another node's running build up to its last flush.
 */
export class ChunkedLogs implements ConsoleLogs {
  private readonly writers = new Set<ChunkWriter>();
  private readonly compactions = new Set<Promise<void>>();
  private readonly flushEveryMs: number;
  private readonly highWaterBytes: number;
  private closing = false;

  constructor(
    private readonly chunks: LogChunks,
    private readonly options: ChunkedLogsOptions = {},
  ) {
    this.flushEveryMs = options.flushEveryMs ?? FLUSH_EVERY_MS;
    this.highWaterBytes = options.highWaterBytes ?? 8 * chunks.chunkBytes;
  }

  open(jobId: number, number: number, onFailure: (error: Error) => void = () => {}): LogWriter {
    const writer = new ChunkWriter(this.chunks, jobId, number, {
      flushEveryMs: this.flushEveryMs,
      highWaterBytes: this.highWaterBytes,
      outageMs: this.options.outageMs ?? OUTAGE_MS,
      // At shutdown nobody waits for the database to come back.
      givingUp: () => this.closing,
      onFailure,
      onWritten: this.options.onWritten ?? (() => {}),
      onClosed: (closed) => {
        this.writers.delete(writer);
        if (closed.failure === null && closed.flushes > 1) this.compactLater(jobId, number);
      },
    });
    this.writers.add(writer);
    return writer;
  }

  async append(jobId: number, number: number, text: string): Promise<void> {
    const writer = this.open(jobId, number);
    writer.write(text);
    await writer.close();
    if (writer.failure) throw writer.failure;
  }

  size(jobId: number, number: number): Promise<number | null> {
    return this.chunks.size(jobId, number);
  }

  async piece(jobId: number, number: number, start: number, maxBytes: number, wholeLines: boolean): Promise<LogPiece | null> {
    const size = await this.chunks.size(jobId, number);
    if (size === null) return null;
    const from = Math.min(Math.max(0, start), size);
    return { start: from, end: await pieceEnd(this.readAt(jobId, number), from, size, maxBytes, wholeLines), size };
  }

  async reader(jobId: number, number: number): Promise<LogReader | null> {
    const size = await this.chunks.size(jobId, number);
    if (size === null) return null;
    return { size, read: this.readAt(jobId, number), close: async () => {} };
  }

  stream(jobId: number, number: number, start: number, end: number, chunkBytes = 256 * 1024): Readable {
    if (end <= start) return Readable.from([]);
    const chunks = this.chunks;
    const readBytes = Math.max(chunkBytes, STREAM_READ_BYTES);
    // The next block is read while this one is handed on: the database and this process work at once.
    let requested = start;
    const request = (): Promise<{ from: number; bytes: Buffer }> | null => {
      if (requested >= end) return null;
      const from = requested;
      requested = Math.min(end, from + readBytes);
      return chunks.read(jobId, number, from, requested).then((bytes) => ({ from, bytes }));
    };
    let next = request();
    next?.catch(() => {});
    /** What is left of the block read last: handed on a chunk per read, as a file stream does. */
    let rest: Buffer = Buffer.alloc(0);
    return new Readable({
      highWaterMark: chunkBytes,
      read() {
        if (rest.length > 0) {
          const chunk = rest.subarray(0, chunkBytes);
          rest = rest.subarray(chunk.length);
          // Pushed after this call returns, as a file stream's reads are: a chunk pushed during
          // `read()` would be joined to the one it returns (async iteration reads that way).
          queueMicrotask(() => this.push(chunk));
          return;
        }
        const current = next;
        if (!current) {
          this.push(null);
          return;
        }
        current.then(
          ({ from, bytes }) => {
            if (bytes.length < Math.min(readBytes, end - from)) {
              this.destroy(new Error(`The log of build ${jobId}#${number} ends at ${from + bytes.length}, before ${end} (was the build deleted?).`));
              return;
            }
            next = request();
            // A read that failed meanwhile is this stream's error when its turn comes.
            next?.catch(() => {});
            rest = bytes.subarray(chunkBytes);
            this.push(bytes.subarray(0, chunkBytes));
          },
          (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      },
      destroy(error, callback) {
        next?.catch(() => {});
        callback(error);
      },
    });
  }

  readRange(jobId: number, number: number, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Promise.resolve(Buffer.alloc(0));
    return this.chunks.read(jobId, number, start, end);
  }

  remove(jobId: number, number: number): Promise<void> {
    return this.chunks.remove(jobId, number);
  }

  removeJob(jobId: number): Promise<void> {
    return this.chunks.removeJob(jobId);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.writers].map((writer) => writer.close()));
    await Promise.all([...this.compactions]);
    await this.chunks.close();
  }

  private readAt(jobId: number, number: number): ReadAt {
    return (offset, length) => (length <= 0 ? Promise.resolve(Buffer.alloc(0)) : this.chunks.read(jobId, number, offset, offset + length));
  }

  private compactLater(jobId: number, number: number): void {
    const compaction = this.chunks
      .compact(jobId, number)
      .catch((error: unknown) => this.options.onCompactionFailed?.(error, jobId, number))
      .finally(() => this.compactions.delete(compaction));
    this.compactions.add(compaction);
  }
}

interface WriterOptions {
  readonly flushEveryMs: number;
  readonly highWaterBytes: number;
  readonly outageMs: number;
  readonly givingUp: () => boolean;
  readonly onFailure: (error: Error) => void;
  readonly onWritten: (bytes: number) => void;
  readonly onClosed: (writer: ChunkWriter) => void;
}

/**
 * One log's writer. Written bytes wait in `queued` until a flush takes them: as soon as whole chunks
 * are queued (only whole chunks then), else when the oldest queued byte has waited `flushEveryMs`, or
 * when someone waits for them (`flush`, `close`). One flush at a time, so chunks are stored in order;
 * meanwhile the next flush's bytes gather. The log's stored length (`base`) is read once at open, so
 * a writer continues a log another writer began (an adopted agent build, a crashed build's last lines).
 */
class ChunkWriter implements LogWriter {
  /** Where the log ended when the writer opened; null until known. */
  private base: number | null = null;
  private readonly opening: Promise<void>;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes taken by the flush running now. */
  private storing = 0;
  /** Bytes this writer stored. */
  private stored = 0;
  /** When the oldest queued byte is due to be stored, or null when nothing is queued. */
  private dueAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private error: Error | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  /** Flushes that stored something: more than one leaves small chunks worth compacting. */
  flushes = 0;
  private readonly flushWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];

  constructor(
    private readonly chunks: LogChunks,
    private readonly jobId: number,
    private readonly number: number,
    private readonly options: WriterOptions,
  ) {
    this.opening = this.duringOutage(() => chunks.size(jobId, number)).then(
      (size) => {
        this.base = size ?? 0;
        this.pump();
      },
      (error: unknown) => this.fail(error),
    );
  }

  get failure(): Error | null {
    return this.error;
  }

  get buffered(): number {
    return this.queuedBytes + this.storing;
  }

  get full(): boolean {
    return this.error === null && this.buffered >= this.options.highWaterBytes;
  }

  write(text: string | Buffer): void {
    if (this.closing || this.error || text.length === 0) return;
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    this.queued.push(bytes);
    this.queuedBytes += bytes.length;
    this.dueAt ??= Date.now() + this.options.flushEveryMs;
    this.pump();
  }

  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  flush(): Promise<void> {
    if (this.error || (this.queuedBytes === 0 && !this.running && this.base !== null)) return Promise.resolve();
    const flushed = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    this.pump();
    return flushed;
  }

  async size(): Promise<number> {
    await this.flush();
    await this.opening;
    return (this.base ?? 0) + this.stored;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      await this.flush();
      await this.opening;
      this.disarm();
      for (const resolve of this.drainWaiters.splice(0)) resolve();
      this.options.onClosed(this);
    })();
    return this.closed;
  }

  /**
   * Decides what to store next, when the log's length is known and no flush runs: whole chunks as soon
   * as there are any; everything once it is due or someone waits for it; else a timer for the due time.
   */
  private pump(): void {
    if (this.running || this.base === null || this.error) return;
    const everything = this.closing || this.flushWaiters.length > 0 || (this.dueAt !== null && Date.now() >= this.dueAt);
    const chunkBytes = this.chunks.chunkBytes;
    const taking = everything ? this.queuedBytes : this.queuedBytes - (this.queuedBytes % chunkBytes);
    if (taking === 0) {
      if (this.queuedBytes === 0) this.settleFlushes();
      else this.arm();
      return;
    }
    const bytes = this.take(taking);
    const offset = this.base + this.stored;
    const chunks: Array<{ offset: number; bytes: Buffer }> = [];
    for (let at = 0; at < bytes.length; at += chunkBytes) chunks.push({ offset: offset + at, bytes: bytes.subarray(at, at + chunkBytes) });
    this.running = true;
    this.storing = bytes.length;
    this.store(chunks, offset, bytes.length).then(
      () => {
        this.running = false;
        this.storing = 0;
        this.stored += bytes.length;
        this.flushes += 1;
        this.options.onWritten(bytes.length);
        if (!this.full) for (const resolve of this.drainWaiters.splice(0)) resolve();
        this.pump();
      },
      (error: unknown) => {
        this.running = false;
        this.storing = 0;
        this.fail(error);
      },
    );
  }

  /**
   * Stores chunks of the log from `offset`, trying again during an outage. Before each new attempt it
   * looks at where the log ends: an attempt whose answer was lost may have been stored all the same.
   */
  private async store(chunks: ReadonlyArray<{ offset: number; bytes: Buffer }>, offset: number, length: number): Promise<void> {
    let attempt = 0;
    await this.duringOutage(async () => {
      if ((attempt += 1) > 1) {
        const size = (await this.chunks.size(this.jobId, this.number)) ?? 0;
        if (size === offset + length) return;
        if (size !== offset) throw new Error(`The console log of build ${this.jobId}#${this.number} was written by someone else: it ends at ${size}, not ${offset}.`);
      }
      await this.chunks.append(this.jobId, this.number, chunks);
    });
  }

  /** Runs `work`, again every moment while it fails for an outage, for up to `outageMs`. */
  private async duringOutage<T>(work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.outageMs;
    for (;;) {
      try {
        return await work();
      } catch (error) {
        if (!this.chunks.isOutage(error) || Date.now() + OUTAGE_RETRY_MS > deadline || this.options.givingUp()) throw error;
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_RETRY_MS));
      }
    }
  }

  /** Takes the first `count` queued bytes as one buffer. */
  private take(count: number): Buffer {
    const parts: Buffer[] = [];
    let taken = 0;
    while (taken < count) {
      const head = this.queued[0] as Buffer;
      const want = count - taken;
      if (head.length <= want) {
        parts.push(head);
        this.queued.shift();
        taken += head.length;
      } else {
        parts.push(head.subarray(0, want));
        this.queued[0] = head.subarray(want);
        taken += want;
      }
    }
    this.queuedBytes -= count;
    if (this.queuedBytes === 0) {
      this.dueAt = null;
      this.disarm();
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, count);
  }

  /** Sets the timer for the due time, unless one is set. */
  private arm(): void {
    if (this.timer || this.dueAt === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.max(0, this.dueAt - Date.now()),
    );
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private settleFlushes(): void {
    for (const resolve of this.flushWaiters.splice(0)) resolve();
  }

  private fail(cause: unknown): void {
    if (this.error) return;
    this.error = cause instanceof Error ? cause : new Error(String(cause));
    this.queued = [];
    this.queuedBytes = 0;
    this.dueAt = null;
    this.disarm();
    this.settleFlushes();
    for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.options.onFailure(this.error);
  }
}
