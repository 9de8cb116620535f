import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { latin1, type RefusalCode, statusOf } from './errors.js';

/**
 * Answers for requests that never reach the app because Node's HTTP parser or the adapter cannot
 * read them (a broken header, a head too large, an unknown method, CONNECT, an unknown `Expect`, a
 * Host that makes no URL). They carry a reason code and a sentence like every other refusal, never
 * Node's bare status line. The connection is closed after them: what follows cannot be trusted.
 */
function rawAnswer(code: RefusalCode, message: string, hint: string): string {
  const status = statusOf(code);
  const body = `${message}\n${hint}\n`;
  return [
    `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Bad Request'}`,
    'Connection: close',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Steward-Reason: ${code}`,
    `X-Error: ${latin1(message)}`,
    '',
    body,
  ].join('\r\n');
}

const REASON_PHRASES: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large' };

/** What Node's parser reports, in words (`HPE_HEADER_OVERFLOW` is the one that is not malformed but too large). */
function parserRefusal(error: NodeJS.ErrnoException): string {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return rawAnswer('headers_too_large', 'The request line and headers are larger than this server accepts (16 KiB).', 'Send fewer or shorter headers (a large cookie is the usual cause).');
  }
  return rawAnswer('request_malformed', `The request is not valid HTTP/1.1 (${error.code ?? 'unreadable'}: ${error.message}).`, 'Check what sends it: header values may not hold CR, LF or NUL, and Content-Length must match the body.');
}

/**
 * Installs the protocol refusals on a server. (A client that half-closes its side stays taken for one
 * that went away, as Node does by default: that is how a request whose client gave up is stopped.)
 */
export function refuseUnreadableRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(parserRefusal(error));
  });
  server.on('connect', (_request, socket: Duplex) => {
    socket.end(rawAnswer('method_not_allowed', 'Steward is not a proxy: CONNECT is not answered.', 'Send GET or POST to a Steward URL.'));
  });
  server.on('checkExpectation', (_request, response) => {
    response.writeHead(statusOf('expectation_unsupported'), { 'Content-Type': 'text/plain;charset=UTF-8', Connection: 'close', 'X-Steward-Reason': 'expectation_unsupported' });
    response.end('The Expect header asks for something this server does not do: only "Expect: 100-continue" is understood.\nLeave the Expect header out.\n');
  });
}

/** The adapter's answer to a request it cannot make a URL of (no Host, user info in Host, a bad target). */
export function unreadableRequestResponse(error: unknown): Response {
  const message = `The request's target or Host header cannot be read as a URL (${error instanceof Error ? error.message : 'unreadable'}).`;
  return new Response(`${message}\nSend a path starting with / and a Host header naming this server (curl does).\n`, {
    status: statusOf('request_malformed'),
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', Connection: 'close', 'X-Steward-Reason': 'request_malformed', 'X-Error': latin1(message) },
  });
}
