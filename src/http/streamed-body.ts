import { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * A response body taken from `open()`'s chunks as the client reads them, so that an answer of any
 * size holds only a chunk or two in memory:
 * - the source is opened at the first read, so an answer whose body is never sent (HEAD) opens nothing;
 * - the next chunk is asked for only once the previous one was written out (the web stream's
 *   high-water mark is 0, and `@hono/node-server` waits for the socket to drain);
 * - when the client goes away the stream is cancelled, which returns the iterator: a Node stream
 *   behind it is destroyed, closing its file.
 */
export function streamedBody(open: () => AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* open();
  }
  // Node's global ReadableStream is this one; only the type declarations differ.
  return NodeReadableStream.from(chunks()) as unknown as ReadableStream<Uint8Array>;
}
