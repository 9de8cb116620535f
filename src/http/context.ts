import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { DomainError } from '../core/errors.js';
import type { Refusal } from './errors.js';

/** Per-request values the middleware sets for the handlers. */
export interface AppEnv {
  Variables: {
    principal: Principal;
    log: Logger;
    /** Names this request in the audit log and in `X-Steward-Request-Id`. */
    requestId: string;
    /** The client's address: the socket's peer, or what a trusted proxy says it forwards for. */
    address: string;
    /** Whether the client reached us over HTTPS (directly, or through a trusted proxy that says so). */
    https: boolean;
    /** The value of the session cookie, if the request sent one (a live session or not). */
    sessionCookie: string | null;
    /** The user id a failed authentication claimed, for the audit log. */
    claimedUser: string | null;
    /** The refusal this request was answered with, for the audit log. */
    refusal: DomainError | Refusal | null;
  };
}
