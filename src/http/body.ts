import type { Context } from 'hono';
import type { AppEnv } from './context.js';
import { Refusal } from './errors.js';

/**
 * The request's parameters as Stapler sees them: query string first, then the fields of a urlencoded
 * or multipart body, each name with all its values (file parts are skipped). The body is read once.
 */
export interface RequestInput {
  readonly parameters: ReadonlyMap<string, readonly string[]>;
  /** The body as text when it is not a form (XML, JSON), else ''. */
  readonly text: string;
  readonly contentType: string;
}

/**
 * Reads the request body, refusing it (413) once it passes `limit` bytes. A request that announces
 * no body is not touched, which keeps the common bodiless POST (a trigger) cheap.
 */
export async function readBody(c: Context<AppEnv>, limit: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  if (declared === '0' || (declared === undefined && c.req.header('transfer-encoding') === undefined)) return new Uint8Array(0);
  const reader = c.req.raw.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export function tooLarge(limit: number): Refusal {
  // The rest of the body is not read, so the connection cannot carry another request.
  return new Refusal('payload_too_large', `The request body is larger than ${limit} bytes.`, 'Send a smaller body, or raise settings.bodyLimit in the server configuration.', {
    Connection: 'close',
  });
}

export async function readInput(c: Context<AppEnv>, url: URL, limit: number): Promise<RequestInput> {
  const parameters = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const values = parameters.get(name);
    if (values) values.push(value);
    else parameters.set(name, [value]);
  };
  url.searchParams.forEach((value, name) => add(name, value));
  const contentType = (c.req.header('content-type') ?? '').toLowerCase();
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return { parameters, text: '', contentType };
  const body = await readBody(c, limit);
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    new URLSearchParams(new TextDecoder().decode(body)).forEach((value, name) => add(name, value));
    return { parameters, text: '', contentType };
  }
  if (contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), { headers: { 'content-type': c.req.header('content-type') ?? '' } }).formData();
    } catch (error) {
      throw new Refusal('body_invalid', `The multipart body could not be read: ${error instanceof Error ? error.message : String(error)}.`, 'Send a well-formed multipart/form-data body, or use application/x-www-form-urlencoded.');
    }
    form.forEach((value, name) => {
      if (typeof value === 'string') add(name, value);
    });
    return { parameters, text: '', contentType };
  }
  return { parameters, text: new TextDecoder().decode(body), contentType };
}

/** The single value of a parameter, or undefined; the first wins when repeated. */
export function single(input: RequestInput, name: string): string | undefined {
  return input.parameters.get(name)?.[0];
}

/** How deep a JSON body may nest. Payloads people send nest a few levels; V8's parser recurses per level. */
export const JSON_NESTING_LIMIT = 100;

/**
 * Refuses JSON text that nests deeper than `JSON_NESTING_LIMIT` before it is parsed: `JSON.parse` of a
 * body of half a million `[` followed by as many `]` (1 MB, within the body limit) holds the event
 * loop for about a second. One pass over the text, skipping strings; well-formedness is left to the parser.
 */
export function refuseDeepJson(text: string, what: string, hint: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > JSON_NESTING_LIMIT) throw new Refusal('body_invalid', `${what} nests deeper than ${JSON_NESTING_LIMIT} levels.`, hint);
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
}
