import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './config/settings.js';

/**
 * The server's log, on standard error. Both formats print the same events, one line each, with the
 * same values: secrets are taken out where a value is logged (a request's URL goes through
 * `http/redact.ts`), never by the format, so neither can show one. `pretty` is pino-pretty in the
 * process, written synchronously like `pino.destination(2)`, so that no line is lost at exit; colours
 * only when `colors` (standard error is a terminal).
 */
export function serverLog(level: string, format: LogFormat, colors: boolean): Logger {
  const options = { level, base: undefined };
  if (format === 'json') return pino(options, pino.destination(2));
  return pino(options, pretty({ destination: 2, sync: true, colorize: colors, singleLine: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l' }));
}
