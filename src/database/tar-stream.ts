import { createReadStream } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Header } from 'tar';

/**
 * A .tar.gz written and read one entry at a time, as a stream: the export's rows and logs never need
 * to be on disk or in memory as a whole. Only what an export writes: regular files with short names
 * (ustar headers, no pax extensions), so that `tar` lists and extracts it. node-tar's own writer packs
 * files from a directory, and its parser pushes entries faster than a database takes them, hence this.
 */

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);
/** Small writes (headers, padding, short logs) are gathered up to this size before they go to gzip. */
const GATHER_BYTES = 64 * 1024;

export class TarGzWriter {
  private readonly gzip = createGzip();
  private readonly finished: Promise<void>;
  private failure: Error | null = null;
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;

  /** Writes to `output` (a stream the writer ends); `onBytes` hears the compressed size so far. */
  constructor(output: Writable, onBytes: (bytes: number) => void = () => {}) {
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        onBytes((bytes += chunk.length));
        done(null, chunk);
      },
    });
    this.finished = pipeline(this.gzip, counter, output);
    this.finished.catch((error: Error) => {
      this.failure ??= error;
    });
  }

  /** Adds a file of exactly `size` bytes, read from `body`; `observe` sees every byte written. */
  async entry(path: string, size: number, body: Buffer | AsyncIterable<Buffer>, mtime: Date, observe: (chunk: Buffer) => void = () => {}): Promise<void> {
    const header = new Header({ path, mode: 0o600, uid: 0, gid: 0, size, mtime, type: 'File', uname: '', gname: '' });
    header.encode();
    if (header.needPax || !header.block) throw new Error(`The archive entry name ${path} is too long for a tar header.`);
    await this.write(header.block);
    let written = 0;
    for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
      written += chunk.length;
      if (written > size) throw new Error(`${path} grew while it was archived.`);
      observe(chunk);
      await this.write(chunk);
    }
    if (written !== size) throw new Error(`${path} shrank while it was archived (${written} of ${size} bytes).`);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) await this.write(ZEROS.subarray(0, padding));
  }

  /** Ends the archive (two zero blocks) and resolves once every byte is written to the output. */
  async finish(): Promise<void> {
    await this.write(ZEROS);
    await this.flush();
    this.gzip.end();
    await this.finished;
  }

  /** Stops writing after a failure; the output is destroyed. */
  abort(error: Error): void {
    this.failure ??= error;
    this.gzip.destroy(error);
  }

  private write(chunk: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    // Copied: a caller may reuse its buffer once the write resolved.
    this.gathered.push(Buffer.from(chunk));
    this.gatheredBytes += chunk.length;
    return this.gatheredBytes >= GATHER_BYTES ? this.flush() : Promise.resolve();
  }

  private flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.gatheredBytes === 0) return Promise.resolve();
    const chunk = Buffer.concat(this.gathered, this.gatheredBytes);
    this.gathered = [];
    this.gatheredBytes = 0;
    if (this.gzip.write(chunk)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.gzip.off('drain', settle);
        this.gzip.off('close', settle);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      this.gzip.on('drain', settle);
      this.gzip.on('close', settle);
    });
  }
}

/** An entry of the archive being read: its body must be read to its end (or not at all) before the next entry is asked for. */
export interface TarEntry {
  readonly path: string;
  readonly size: number;
  readonly body: AsyncIterable<Buffer>;
}

/** A .tar.gz that is not what the export writes, or is damaged or cut short. */
export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

/**
 * The entries of a .tar.gz, pulled one at a time: nothing is read from the file before it is asked
 * for, so a slow consumer (a database taking rows) holds the reading back instead of piling it up.
 * Throws `TarFormatError` for a damaged or truncated file or an entry other than a regular file.
 */
export async function* readTarGz(file: string): AsyncGenerator<TarEntry> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  const source = input.pipe(gunzip);
  input.on('error', (error) => gunzip.destroy(error));
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer = Buffer.alloc(0);

  /** The next bytes of the tar stream, at most `max` of them; null at its end. */
  const next = async (max: number): Promise<Buffer | null> => {
    if (pending.length === 0) {
      let result: IteratorResult<Buffer>;
      try {
        result = await chunks.next();
      } catch (error) {
        throw new TarFormatError(`it cannot be read (${(error as Error).message})`);
      }
      if (result.done) return null;
      pending = result.value;
    }
    const taken = pending.subarray(0, max);
    pending = pending.subarray(taken.length);
    return taken;
  };
  const exactly = async (size: number): Promise<Buffer> => {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < size) {
      const part = await next(size - have);
      if (part === null) throw new TarFormatError('it was cut short');
      parts.push(part);
      have += part.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  };

  try {
    for (;;) {
      const block = await exactly(BLOCK);
      if (block.every((byte) => byte === 0)) return;
      const header = new Header(block);
      if (!header.cksumValid) throw new TarFormatError('an entry header does not match its checksum');
      if (header.type !== 'File' || header.path === undefined || header.size === undefined) throw new TarFormatError(`it holds ${JSON.stringify(header.path)} (${header.type}), which an export never writes`);
      const size = header.size;
      let remaining = size;
      const body = (async function* () {
        while (remaining > 0) {
          const part = await next(remaining);
          if (part === null) throw new TarFormatError('it was cut short');
          remaining -= part.length;
          yield part;
        }
      })();
      yield { path: header.path, size, body };
      // Whatever the consumer left of the body, then the padding to the next block.
      while (remaining > 0) {
        const part = await next(remaining);
        if (part === null) throw new TarFormatError('it was cut short');
        remaining -= part.length;
      }
      const padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (padding > 0) await exactly(padding);
    }
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/** A file's `size` bytes from its start, as a stream (a log that grows meanwhile is read as it was). */
export function fileBytes(fd: number, size: number): AsyncIterable<Buffer> {
  if (size === 0) return (async function* () {})();
  return createReadStream('', { fd, start: 0, end: size - 1, autoClose: false, highWaterMark: 256 * 1024 });
}
