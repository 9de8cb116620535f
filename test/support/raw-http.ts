import { connect } from 'node:net';

/**
 * A bare HTTP/1.1 client over a TCP socket, for requests `fetch` will not send: a malformed request
 * line, raw bytes in the path, CR/LF in a header, odd or conflicting `Content-Length`, a broken chunked
 * body, a client that hangs up halfway. It writes exactly the bytes it is given and reads the answer.
 */
export interface RawRequest {
  readonly method: string;
  /** The request target exactly as sent, e.g. `/job/a%2Fb/api/json?tree=x` (may hold raw bytes). */
  readonly target: string | Buffer;
  /** Header lines as sent, in order; a Buffer value is written byte for byte. */
  readonly headers: ReadonlyArray<readonly [string, string | Buffer]>;
  readonly body?: Buffer;
  /** Adds `Content-Length` for the body unless a header of that name (or Transfer-Encoding) is given. */
  readonly autoContentLength?: boolean;
  /** How the client ends: read the answer (default), half-close after writing, or reset mid-body. */
  readonly ending?: 'answer' | 'half-close' | 'hang-up';
}

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased, each with all its values. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly rawHead: string;
  readonly body: Buffer;
  /** Milliseconds from the first byte written to the last byte of the answer. */
  readonly ms: number;
}

export type RawOutcome =
  | { readonly kind: 'response'; readonly response: RawResponse }
  /** The server closed the connection without an answer (e.g. Node refusing a CONNECT). */
  | { readonly kind: 'closed'; readonly ms: number; readonly error?: string }
  /** Nothing came within the timeout. */
  | { readonly kind: 'timeout'; readonly ms: number }
  /** The client hung up on purpose (`ending: 'hang-up'`). */
  | { readonly kind: 'hung-up'; readonly ms: number };

export function encodeRequest(request: RawRequest): Buffer {
  const lines: Buffer[] = [];
  const target = typeof request.target === 'string' ? Buffer.from(request.target, 'latin1') : request.target;
  lines.push(Buffer.concat([Buffer.from(`${request.method} `, 'latin1'), target, Buffer.from(' HTTP/1.1\r\n', 'latin1')]));
  const body = request.body ?? Buffer.alloc(0);
  const named = (name: string) => request.headers.some(([header]) => header.toLowerCase() === name);
  for (const [name, value] of request.headers) {
    lines.push(Buffer.concat([Buffer.from(`${name}: `, 'latin1'), typeof value === 'string' ? Buffer.from(value, 'latin1') : value, Buffer.from('\r\n', 'latin1')]));
  }
  if ((request.autoContentLength ?? true) && !named('content-length') && !named('transfer-encoding') && (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(request.method))) {
    lines.push(Buffer.from(`Content-Length: ${body.length}\r\n`, 'latin1'));
  }
  lines.push(Buffer.from('\r\n', 'latin1'));
  lines.push(body);
  return Buffer.concat(lines);
}

/** Sends one request on its own connection and waits for the whole answer (or a close, or the timeout). */
export function sendRaw(port: number, request: RawRequest, timeoutMs: number, host = '127.0.0.1'): Promise<RawOutcome> {
  const bytes = encodeRequest(request);
  const head = request.method.toUpperCase() === 'HEAD';
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ms: performance.now() - started }), timeoutMs);
    const tryParse = (ended: boolean) => {
      const parsed = parseResponse(Buffer.concat(chunks), head, ended);
      if (parsed) finish({ kind: 'response', response: { ...parsed, ms: performance.now() - started } });
      else if (ended) finish({ kind: 'closed', ms: performance.now() - started });
    };
    socket.on('connect', () => {
      if (request.ending === 'hang-up') {
        // Headers and part of the body, then a reset: the server sees a client that went away.
        socket.write(bytes.subarray(0, Math.max(bytes.indexOf('\r\n\r\n') + 4 + Math.floor((request.body?.length ?? 0) / 2), 1)), () => {
          setTimeout(() => {
            socket.resetAndDestroy();
            finish({ kind: 'hung-up', ms: performance.now() - started });
          }, 20);
        });
        return;
      }
      socket.write(bytes);
      if (request.ending === 'half-close') socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', (error) => {
      if (chunks.length > 0) tryParse(true);
      else finish({ kind: 'closed', ms: performance.now() - started, error: (error as NodeJS.ErrnoException).code ?? error.message });
    });
  });
}

/** The answer in `data` once it is complete (by Content-Length, chunked framing, or the close), else null. */
function parseResponse(data: Buffer, head: boolean, ended: boolean): Omit<RawResponse, 'ms'> | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const rawHead = data.subarray(0, end).toString('latin1');
  const [statusLine = '', ...lines] = rawHead.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  const rest = data.subarray(end + 4);
  // An interim answer (100 Continue to `Expect: 100-continue`) comes before the real one.
  if (status >= 100 && status < 200) return parseResponse(rest, head, ended);
  const noBody = head || status === 204 || status === 304;
  if (noBody) return { status, headers, rawHead, body: Buffer.alloc(0) };
  if ((headers.get('transfer-encoding')?.[0] ?? '').toLowerCase().includes('chunked')) {
    const body = dechunk(rest);
    if (body) return { status, headers, rawHead, body };
    return ended ? { status, headers, rawHead, body: rest } : null;
  }
  const length = headers.get('content-length')?.[0];
  if (length !== undefined) {
    const wanted = Number(length);
    if (rest.length >= wanted) return { status, headers, rawHead, body: rest.subarray(0, wanted) };
    return ended ? { status, headers, rawHead, body: rest } : null;
  }
  return ended ? { status, headers, rawHead, body: rest } : null;
}

/** The body of a complete chunked encoding, or null while the last chunk has not arrived. */
function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return null;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
