import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';

/** Per-request values the middleware sets for the handlers. */
export interface AppEnv {
  Variables: {
    principal: Principal;
    log: Logger;
  };
}
