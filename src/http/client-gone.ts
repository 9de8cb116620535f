import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/** What Node and `@hono/node-server` throw when the peer closed the connection mid-request. */
const DISCONNECT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR']);
const DISCONNECT_MESSAGES = new Set(['aborted', 'Client connection prematurely closed.']);

/**
 * Whether `error` only says that the client hung up: nothing went wrong on the server, and nobody is
 * left to answer. Either the request's body was cut short (the connection closed before its end, so
 * whatever failed while reading it — Node's "aborted", a JSON validator's "malformed body" — is that),
 * or the error has a disconnect's shape and this request's connection is in fact gone. A server fault
 * that merely carries such a code, on a live connection, is never mistaken for one.
 */
export function isClientGone(error: unknown, c: Context<AppEnv>): boolean {
  const bindings = c.env as Partial<HttpBindings> | undefined;
  const incoming = bindings?.incoming;
  if (!incoming || !(error instanceof Error)) return false;
  // `complete` is set once the whole message has arrived (at once for a request without a body).
  if (!incoming.complete && incoming.readableAborted) return true;
  const code = (error as NodeJS.ErrnoException).code;
  const shaped = (code !== undefined && DISCONNECT_CODES.has(code)) || error.name === 'AbortError' || DISCONNECT_MESSAGES.has(error.message);
  return shaped && (incoming.destroyed || incoming.socket?.destroyed === true || bindings.outgoing?.destroyed === true);
}
